/**
 * The program behind every stub binary of the start-script harness (see run-script.ts). A stub records
 * its call (argv, environment, stdin) as one numbered JSON file, then answers with the first answer of
 * its scenario that matches the call and is not used up.
 *
 * `node --test dist/test/` also loads this file as a test module; it acts only when the harness runs it
 * (HARNESS_DIR set), so loading it there does nothing.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { answersFile, type Answer, type Call } from "./protocol.js";

function main(dir: string, name: string, args: string[]): number {
  const answers = JSON.parse(readFileSync(answersFile(dir, name), "utf8")) as Answer[];
  const stdin = readStdin();
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HARNESS_"))) as Record<string, string>;
  const earlier = previousCalls(dir).filter((call) => call.name === name);
  const chosen = answers.findIndex((answer, index) =>
    matches(answer, args, env, stdin) && (answer.times === undefined || earlier.filter((c) => c.answer === index).length < answer.times));
  record(dir, { name, args, env, stdin, answer: chosen });
  if (chosen < 0) {
    process.stderr.write(`harness: the scenario has no answer for ${name} ${args.join(" ")}\n`);
    return 127;
  }
  const answer = answers[chosen]!;
  if (answer.delaySeconds) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, answer.delaySeconds * 1000);
  if (answer.stdout) process.stdout.write(answer.stdout);
  if (answer.stderr) process.stderr.write(answer.stderr);
  return answer.exitCode ?? 0;
}

function matches(answer: Answer, args: string[], env: Record<string, string>, stdin: string): boolean {
  const when = answer.when;
  if (!when) return true;
  const argsMatch = (when.args ?? []).every((pattern) => args.some((arg) => new RegExp(pattern).test(arg)));
  const envMatch = Object.entries(when.env ?? {}).every(([key, value]) => (value === null ? !env[key] : env[key] === value));
  const stdinMatch = when.stdin === undefined || new RegExp(when.stdin).test(stdin);
  return argsMatch && envMatch && stdinMatch;
}

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

function previousCalls(dir: string): (Call & { answer: number })[] {
  const calls = path.join(dir, "calls");
  return readdirSync(calls).sort().map((file) => JSON.parse(readFileSync(path.join(calls, file), "utf8")));
}

/** Numbered files created exclusively, so calls keep their order even when two stubs run at once. */
function record(dir: string, call: Call & { answer: number }): void {
  for (let n = 1; ; n++) {
    const file = path.join(dir, "calls", `${String(n).padStart(6, "0")}.json`);
    if (existsSync(file)) continue;
    try {
      writeFileSync(file, JSON.stringify(call), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

const harnessDir = process.env.HARNESS_DIR;
if (harnessDir) process.exitCode = main(harnessDir, process.argv[2]!, process.argv.slice(3));
