import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { compile } from "../../compiler/compile.js";
import { EXAMPLE_FLEET, tempProject } from "../helpers.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [prefix];
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...children.flatMap(([key, child]) => paths(child, [...prefix, key]))];
}

/** Replaces (or, with `undefined`, deletes) the value at `at`; a copy. */
function mutate(root: Json, at: Path, replacement: Json | undefined): Json {
  if (at.length === 0) return replacement ?? null;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let parent = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = at.at(-1)!;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    parent[last] = replacement;
  }
  return copy;
}

const scalar = fc.oneof(
  fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
  fc.constantFrom("", "latest", "v7.5.1", "0", "-1", "1e9", "100Gi", "/etc", "../x", "dc1", "root", "PostSync", "ClusterIP", "yes", "~"),
);
const value: fc.Arbitrary<Json> = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));

describe("fuzzing specs", () => {
  it("any mutation of the example fleet ends in located errors or in output that validates, never in a crash", { timeout: 120_000 }, async () => {
    const original = parse(await readFile(path.join(EXAMPLE_FLEET, "clusters/prod/endgame.yaml"), "utf8")) as Json;
    const pool = await readFile(path.join(EXAMPLE_FLEET, "clusters/pools.yaml"), "utf8");
    const allPaths = paths(original);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(allPaths.length - 1), fc.option(value, { nil: undefined })), { minLength: 1, maxLength: 3 }), async (mutations) => {
        let spec = original;
        for (const [index, replacement] of mutations) {
          const candidates = paths(spec);
          spec = mutate(spec, candidates[index % candidates.length]!, replacement);
        }
        const project = await tempProject({ "clusters/pools.yaml": pool, "clusters/prod/endgame.yaml": stringify(spec) });
        try {
          const result = await compile(project.root);
          const errors = result.diagnostics.filter((d) => d.severity === "error");
          for (const d of errors) {
            assert.ok(d.file.startsWith("clusters/") && d.line >= 1 && d.col >= 1, `${d.file}:${d.line}:${d.col}`);
            assert.match(d.ruleId, /^[a-z0-9-]+$/);
          }
          // no errors means every object passed OpenAPI validation inside compile
          assert.ok(errors.length > 0 || result.files.size > 0);
        } finally {
          await project.cleanup();
        }
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });
});
