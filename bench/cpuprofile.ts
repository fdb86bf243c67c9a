// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by module.
// usage: node dist/bench/cpuprofile.js FILE.cpuprofile [TOP]
import { readFileSync } from "node:fs";

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const [file, top = "20"] = process.argv.slice(2);
if (!file) throw new Error("usage: cpuprofile.js FILE.cpuprofile [TOP]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));

const byFunction = new Map<string, number>();
const byModule = new Map<string, number>();
let total = 0;
/** Where time goes: an npm package, a directory of ours, Node's internals, or the VM (idle, GC, natives). */
function moduleOf(url: string, functionName: string): string {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/dist\/((?:compiler\/)?[^/]+)/.exec(url);
  if (ours) return ours[1]!.replace(/\.js$/, "");
  if (url.startsWith("node:")) return "node internals";
  return ["(idle)", "(garbage collector)", "(program)"].includes(functionName) ? functionName : "natives (fs calls, regexps, builtins)";
}

profile.samples.forEach((id, i) => {
  const frame = frames.get(id)!;
  const micros = profile.timeDeltas[i] ?? 0;
  const where = frame.url ? ` ${frame.url.replace(/^.*?\/(node_modules|dist)\//, "")}:${frame.lineNumber + 1}` : "";
  const name = `${frame.functionName || "(anonymous)"}${where}`;
  const module = moduleOf(frame.url, frame.functionName);
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  byModule.set(module, (byModule.get(module) ?? 0) + micros);
  total += micros;
});

function print(title: string, times: Map<string, number>): void {
  process.stdout.write(`\n| ${title} | self ms | share |\n|---|---:|---:|\n`);
  for (const [name, micros] of [...times].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    process.stdout.write(`| ${name.replace(/\|/g, "\\|")} | ${(micros / 1000).toFixed(0)} | ${((100 * micros) / total).toFixed(1)}% |\n`);
  }
}
process.stdout.write(`${(total / 1e6).toFixed(2)} s sampled\n`);
print("function", byFunction);
print("module", byModule);
