/**
 * The start-script harness: runs a rendered container's shell script for real, under `sh`, with stub
 * binaries and temporary directories, so a test can put a pod in a lifecycle state (first boot, restart
 * with data, a peer that answers or not, a wrong password) and assert what the script does. Engine-neutral:
 * it knows containers, not databases.
 *
 * How the container's world is faked:
 * - The container's filesystem root is `<tmp>/fs`. Every absolute path the script may touch is *mapped*:
 *   the container's volume mounts, the absolute stub binaries (`/pd-server`), and any `dirs` the test
 *   names. The harness rewrites each mapped path in the script text and in the env values to its place
 *   under `<tmp>/fs` (at path boundaries only: `/pd` never rewrites `/pd-server`), and rewrites it back in
 *   what it reports, so tests read and write container paths (`/var/lib/pd/member`).
 *   A script that names an absolute path the harness does not map is refused before it runs (the
 *   `/dev/null`-style device files excepted): on a CI runner that is root, it would really write there.
 * - PATH holds only the stubs and links to a fixed set of real text and file tools (sed, grep, mkdir...):
 *   a command the scenario did not stub (wget, mysql, curl) is not found instead of reaching the network.
 *   `sleep` is stubbed to return at once unless the scenario says otherwise, so wait loops run instantly;
 *   a scenario makes a loop end by sequencing answers (`times`), never by waiting.
 * - The environment is the container's `env` as rendered: literal values as written, and `valueFrom`
 *   values (fieldRef, secretKeyRef) given by the test, every one of them and no others. HOSTNAME is the
 *   pod's name, as the kubelet sets it.
 * - A run that does not end within `guardSeconds` is killed and reported `timedOut` (a guard against a
 *   hanging test, never something to assert timing with).
 */
import type { V1Container } from "@kubernetes/client-node";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { answersFile, type Answer, type Call } from "./protocol.js";

export type { Answer, Call } from "./protocol.js";

export interface ScriptRun {
  container: V1Container;
  /** The command to run instead of the container's (e.g. its preStop hook); default: command + args. */
  command?: string[];
  /** The pod's name: HOSTNAME, and the stem of StatefulSet ordinals. */
  hostname: string;
  /** The values of the container's valueFrom env vars, as the kubelet would resolve them. */
  env?: Record<string, string>;
  /** Stub binaries by name on PATH (`wget`) or by absolute path (`/pd-server`), each with its answers. */
  stubs: Record<string, Answer[]>;
  /** Files that exist before the run, by container path; each must lie under a mapped directory. */
  files?: Record<string, string>;
  /** Absolute directories the script uses besides the container's volume mounts. */
  dirs?: string[];
  guardSeconds?: number;
}

export interface ScriptResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Every stub call, in order. */
  calls: Call[];
  /** Regular files under the mapped directories after the run, by container path; paths in their text are container paths too. */
  files: Map<string, string>;
}

/** Real tools linked into PATH: text and file utilities a start script may use, nothing that talks to the network. */
const REAL_TOOLS = [
  "awk", "base64", "basename", "cat", "chmod", "cp", "cut", "date", "dirname", "env", "expr", "false", "grep",
  "head", "id", "ls", "mkdir", "mv", "rm", "sed", "seq", "sort", "tail", "touch", "tr", "true", "wc",
];

/** Device files a script may name without a mapping. */
const DEVICES = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin"]);

const DEFAULT_STUBS: Record<string, Answer[]> = { sleep: [{}] };

const STUB_PROGRAM = fileURLToPath(new URL("./stub.js", import.meta.url));

/**
 * What may precede an absolute path in shell text (start, blank, `=`, an opening quote... but not a quote
 * that closes `"${dir}"/sub`, whose path continues a word), and what may not follow a whole path name.
 */
const BEFORE_PATH = String.raw`(?<=^|[\s=:(<>|;&,]|(?<![}\w$])["'])`;
const AFTER_PATH = String.raw`(?![\w.-])`;
const ABSOLUTE_PATH = new RegExp(String.raw`${BEFORE_PATH}/[\w.-]{2,}(/[\w.-]+)*/?`, "gm");

export async function runScript(run: ScriptRun): Promise<ScriptResult> {
  const argv = run.command ?? [...(run.container.command ?? []), ...(run.container.args ?? [])];
  const { shell, flags, script, rest } = shellInvocation(argv);
  const stubs = { ...DEFAULT_STUBS, ...run.stubs };
  const mapped = mappedPaths(run, stubs);
  refuseUnmapped(script, mapped);

  const root = await mkdtemp(path.join(tmpdir(), "clusterc-harness-"));
  try {
    const fs = path.join(root, "fs");
    const toHost = (text: string) => rewritePaths(text, mapped, fs);
    await Promise.all(["bin", "tools", "calls", "stubs", "home", "fs"].map((dir) => mkdir(path.join(root, dir))));
    await Promise.all(mapped.filter((p) => !p.isStub).map((p) => mkdir(fs + p.path, { recursive: true })));
    await writeStubs(root, fs, stubs);
    await linkTools(path.join(root, "tools"));
    for (const [file, content] of Object.entries(run.files ?? {})) {
      if (!mapped.some((p) => !p.isStub && isUnder(file, p.path))) throw new Error(`harness: ${file} is not under a mapped directory; add its directory to dirs`);
      await mkdir(path.dirname(fs + file), { recursive: true });
      await writeFile(fs + file, content);
    }
    const env = {
      ...containerEnv(run, toHost),
      PATH: `${path.join(root, "bin")}:${path.join(root, "tools")}`,
      HOME: path.join(root, "home"),
      HOSTNAME: run.hostname,
      LC_ALL: "C",
      HARNESS_DIR: root,
    };
    const outcome = await spawnShell(shell, [...flags, toHost(script), ...rest], env, fs, run.guardSeconds ?? 20);
    const toContainer = (text: string) => text.split(fs).join("");
    return {
      ...outcome,
      stdout: toContainer(outcome.stdout),
      stderr: toContainer(outcome.stderr),
      calls: await readCalls(root, toContainer),
      files: await snapshot(fs, mapped, toContainer),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `["/bin/sh", "-c", SCRIPT, ...]`: the only shape of command the harness runs. */
function shellInvocation(argv: string[]): { shell: string; flags: string[]; script: string; rest: string[] } {
  const [program, flag, script, ...rest] = argv;
  const shell = { "/bin/sh": "/bin/sh", sh: "/bin/sh", "/bin/bash": "/bin/bash", bash: "/bin/bash" }[program ?? ""];
  if (!shell || !flag || !/^-[a-z]*c$/.test(flag) || script === undefined) {
    throw new Error(`harness: runs ["/bin/sh", "-c", SCRIPT] commands only, not ${JSON.stringify(argv)}`);
  }
  return { shell, flags: [flag], script, rest };
}

interface MappedPath {
  path: string;
  isStub: boolean;
}

function mappedPaths(run: ScriptRun, stubs: Record<string, Answer[]>): MappedPath[] {
  const dirs = [...(run.container.volumeMounts ?? []).map((m) => m.mountPath), ...(run.dirs ?? [])];
  const binaries = Object.keys(stubs).filter((name) => name.startsWith("/"));
  for (const p of [...dirs, ...binaries]) {
    if (!p.startsWith("/") || path.posix.normalize(p) !== p || p === "/") throw new Error(`harness: cannot map ${p}`);
  }
  return [...dirs.map((p) => ({ path: p, isStub: false })), ...binaries.map((p) => ({ path: p, isStub: true }))]
    .sort((a, b) => b.path.length - a.path.length);
}

function isUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

function refuseUnmapped(script: string, mapped: MappedPath[]): void {
  const unmapped = [...script.matchAll(ABSOLUTE_PATH)].map((m) => m[0])
    .filter((p) => !DEVICES.has(p) && !mapped.some((m) => isUnder(p, m.path)));
  if (unmapped.length > 0) {
    throw new Error(`harness: the script names ${[...new Set(unmapped)].join(", ")}, which the harness does not map; add them to dirs or stubs`);
  }
}

function rewritePaths(text: string, mapped: MappedPath[], fs: string): string {
  if (mapped.length === 0) return text;
  const alternatives = mapped.map((m) => m.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return text.replace(new RegExp(`${BEFORE_PATH}(${alternatives})${AFTER_PATH}`, "gm"), (p) => fs + p);
}

function containerEnv(run: ScriptRun, toHost: (text: string) => string): Record<string, string> {
  const given = { ...run.env };
  const env: Record<string, string> = {};
  for (const variable of run.container.env ?? []) {
    if (variable.valueFrom) {
      const value = given[variable.name];
      if (value === undefined) throw new Error(`harness: env ${variable.name} comes from valueFrom; give its value in env`);
      env[variable.name] = value;
      delete given[variable.name];
    } else {
      env[variable.name] = toHost(variable.value ?? "");
    }
  }
  const extra = Object.keys(given);
  if (extra.length > 0) throw new Error(`harness: env ${extra.join(", ")} is not a valueFrom variable of container ${run.container.name}`);
  return env;
}

async function writeStubs(root: string, fs: string, stubs: Record<string, Answer[]>): Promise<void> {
  for (const [name, answers] of Object.entries(stubs)) {
    const file = name.startsWith("/") ? fs + name : path.join(root, "bin", name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(answersFile(root, name), JSON.stringify(answers));
    await writeFile(file, `#!/bin/sh\nexec '${process.execPath}' '${STUB_PROGRAM}' '${name}' "$@"\n`);
    await chmod(file, 0o755);
  }
}

async function linkTools(dir: string): Promise<void> {
  for (const tool of REAL_TOOLS) {
    const real = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => existsSync(p));
    if (real) await symlink(real, path.join(dir, tool));
  }
}

function spawnShell(shell: string, args: string[], env: Record<string, string>, cwd: string, guardSeconds: number) {
  return new Promise<{ exitCode: number | null; stdout: string; stderr: string; timedOut: boolean }>((resolve, reject) => {
    const child = spawn(shell, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const guard = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, guardSeconds * 1000);
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ exitCode: code, stdout, stderr, timedOut });
    });
  });
}

async function readCalls(root: string, toContainer: (text: string) => string): Promise<Call[]> {
  const dir = path.join(root, "calls");
  const files = (await readdir(dir)).sort();
  return Promise.all(files.map(async (file) => {
    const call = JSON.parse(await readFile(path.join(dir, file), "utf8")) as Call & { answer: number };
    return {
      name: call.name,
      args: call.args.map(toContainer),
      env: Object.fromEntries(Object.entries(call.env).map(([k, v]) => [k, toContainer(v)])),
      stdin: toContainer(call.stdin),
    };
  }));
}

/** Files by container path, with the container paths they name as the script wrote them. */
async function snapshot(fs: string, mapped: MappedPath[], toContainer: (text: string) => string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of mapped.filter((m) => !m.isStub)) {
    for (const entry of await readdir(fs + dir.path, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      files.set(full.slice(fs.length), toContainer(await readFile(full, "utf8")));
    }
  }
  return files;
}
