import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers.js";

/**
 * The compiler's stages, earliest first (ARCHITECTURE.md's data flow). A module may import from its
 * own stage or an earlier one, never a later one, so data flows one way; top-level files are placed
 * one by one. A new top-level file or folder must be given a stage here.
 */
const STAGES: readonly (readonly string[])[] = [
  ["diagnostics.ts", "quantity.ts", "text-order.ts", "signature.ts", "secret-patterns.ts", "canonical-yaml.ts", "cache.ts"],
  ["source/"],
  ["schema/"],
  ["fleet/"],
  ["engines/"],
  ["placement/"],
  ["rules/"],
  ["validate/"],
  ["emit/"],
  ["gitops/"],
  ["exceptions.ts", "explain.ts", "change-plan.ts", "cluster-cache.ts", "node-ports.ts", "rule-catalog.ts", "compile.ts", "pools-report.ts", "sarif.ts"],
  ["diff/"],
  ["cli.ts"],
];

const COMPILER = path.join(REPO_ROOT, "compiler");

function sources(dir = COMPILER): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(file) : file.endsWith(".ts") ? [path.relative(COMPILER, file).split(path.sep).join("/")] : [];
  });
}

/** The compiler modules a source imports (static, type-only and dynamic imports alike), as paths under compiler/. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(COMPILER, file), "utf8");
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return specifiers.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s.replace(/\.js$/, ".ts"))));
}

function stageOf(file: string): number {
  const stage = STAGES.findIndex((members) => members.some((m) => (m.endsWith("/") ? file.startsWith(m) : file === m)));
  assert.notEqual(stage, -1, `compiler/${file} belongs to no stage: add it to STAGES in test/architecture/imports.test.ts`);
  return stage;
}

/** One import cycle, as a path that starts and ends at the same module; undefined when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...trail.slice(trail.indexOf(file)), file];
    state.set(file, "open");
    trail.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("compiler imports", () => {
  const files = sources();
  const graph = new Map(files.map((file) => [file, importsOf(file)]));

  it("resolve to modules that exist", () => {
    for (const [file, imports] of graph) for (const target of imports) assert.ok(graph.has(target), `${file} imports missing ${target}`);
  });

  it("point from later stages to earlier ones only", () => {
    const against = [...graph].flatMap(([file, imports]) => imports.filter((target) => stageOf(target) > stageOf(file)).map((target) => `${file} -> ${target}`));
    assert.deepEqual(against, []);
  });

  it("form no cycle", () => {
    assert.equal(findCycle(graph)?.join(" -> "), undefined);
  });

  it("catch a cycle and a backward import when there is one", () => {
    assert.deepEqual(findCycle(new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]]])), ["a.ts", "b.ts", "c.ts", "a.ts"]);
    assert.equal(findCycle(new Map([["a.ts", ["b.ts"]], ["b.ts", []]])), undefined);
    assert.ok(stageOf("rules/images.ts") > stageOf("placement/plan.ts"));
  });
});
