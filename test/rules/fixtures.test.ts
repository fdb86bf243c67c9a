import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { ClusterBuild, KubeObject } from "../../compiler/engines/types.js";
import { RULES } from "../../compiler/rules/index.js";
import { fixturePath } from "../helpers.js";

/**
 * Every rule that reports findings has fixtures in test/fixtures/rules/<rule-id>/: each file in fire/
 * must produce at least one finding of that rule, each file in pass/ none. A rule whose fixtures
 * silently stop firing fails here.
 */
const CHECKED_RULES = ["secrets-hygiene", "image-pinned", "resource-defaults"];

async function fixtureBuild(file: string): Promise<ClusterBuild> {
  const text = await readFile(file, "utf8");
  const objects = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
  const origin = { file, doc: 0, path: [] };
  return {
    cluster: { kind: "TiDBCluster", name: "fixture", namespace: "fixture", spec: {} as never, origin, outputDir: "fixture" },
    manifests: objects.map((object) => ({ object, origin })),
    components: [],
  };
}

async function findingsOf(ruleId: string, file: string) {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const build = await fixtureBuild(file);
  return rule.run([build], { fleet: { clusters: [], pools: new Map() } }).findings;
}

describe("rule fixtures", () => {
  it("rule IDs are unique and every rule is described", () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of RULES) assert.ok(rule.description.length > 20, rule.id);
  });

  for (const ruleId of CHECKED_RULES) {
    describe(ruleId, () => {
      it("is registered and has at least one fixture that must fire", async () => {
        assert.ok(RULES.some((r) => r.id === ruleId));
        assert.ok((await readdir(fixturePath("rules", ruleId, "fire"))).length > 0);
      });
      for (const expectation of ["fire", "pass"] as const) {
        it(`${expectation} fixtures`, async () => {
          for (const name of await readdir(fixturePath("rules", ruleId, expectation))) {
            const findings = await findingsOf(ruleId, fixturePath("rules", ruleId, expectation, name));
            if (expectation === "fire") {
              assert.ok(findings.length > 0, `${name} must fire`);
              for (const f of findings) assert.equal(f.ruleId, ruleId);
            } else {
              assert.deepEqual(findings.map((f) => f.message), [], `${name} must not fire`);
            }
          }
        });
      }
    });
  }

  it("never puts a secret value into a message", async () => {
    const fire = fixturePath("rules", "secrets-hygiene", "fire");
    for (const name of await readdir(fire)) {
      const messages = (await findingsOf("secrets-hygiene", `${fire}/${name}`)).map((f) => f.message).join("\n");
      assert.doesNotMatch(messages, /hunter2|123456|app-password|aHVudGVyMg|MIIBOg/, name);
    }
  });
});
