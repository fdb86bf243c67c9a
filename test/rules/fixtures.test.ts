import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { ClusterBuild, KubeObject } from "../../compiler/engines/types.js";
import { clusterPolicy, type Policy } from "../../compiler/fleet/policy.js";
import { RULES } from "../../compiler/rules/index.js";
import { policyDocument } from "../../compiler/schema/policy.js";
import { compileProject, fixturePath } from "../helpers.js";

/**
 * Every rule that reports findings has fixtures in test/fixtures/rules/<rule-id>/: each file in fire/
 * must produce at least one finding of that rule, each file in pass/ none. A fixture is either a
 * clusterc project in one file (clusterc/v1 documents only: compiled whole; a last document of kind
 * ClusterState is what a previous render recorded, and goes to rendered/cluster-state.yaml), or Kubernetes objects,
 * optionally after clusterc Policy documents that apply to them (run through the rule alone).
 * A rule whose fixtures silently stop firing fails here.
 */
const RULES_WITHOUT_FINDINGS = new Map([
  ["anti-affinity", "transformer: adds affinity and budgets, reports nothing"],
  ["data-protection", "transformer: adds annotations, reports nothing"],
  ["topology", "transformer: adds each replica's zone file, reports nothing"],
  ["security-context", "transformer: adds securityContexts and scratch volumes, reports nothing"],
  ["network-policies", "transformer: adds NetworkPolicies, reports nothing"],
]);

type Document = { apiVersion: string; kind: string };

async function findingsOf(ruleId: string, file: string): Promise<{ ruleId: string; message: string }[]> {
  const text = await readFile(file, "utf8");
  const parsed = parseAllDocuments(text);
  const documents = parsed.map((d) => d.toJS() as Document);
  if (documents.every((d) => d.apiVersion === "clusterc/v1")) {
    // the recorded state, when there is one, is the last document
    const state = documents.at(-1)?.kind === "ClusterState" ? parsed.at(-1)!.range : undefined;
    const files: Record<string, string> = state
      ? { "clusters/fixture.yaml": text.slice(0, state[0]).replace(/---\s*$/, ""), "rendered/cluster-state.yaml": text.slice(state[0], state[2]) }
      : { "clusters/fixture.yaml": text };
    const { diagnostics } = await compileProject(files, { today: "2026-06-01" });
    return diagnostics.filter((d) => d.ruleId === ruleId);
  }
  const rule = RULES.find((r) => r.id === ruleId)!;
  return rule.run([objectBuild(file, documents)], { fleet: { clusters: [], pools: new Map(), policies: [] }, hostPaths: { placements: [], byCluster: new Map(), findings: [] }, clusterStates: new Map() }).findings;
}

function objectBuild(file: string, documents: Document[]): ClusterBuild {
  const origin = { file, doc: 0, path: [] };
  const policies: Policy[] = documents
    .filter((d) => d.kind === "Policy")
    .map((d) => ({ name: "fixture", spec: policyDocument.parse(d).spec, origin }));
  return {
    cluster: {
      kind: "TiDBCluster", name: "fixture", namespace: "fixture", labels: {}, spec: {} as never, origin, outputDir: "fixture",
      policy: clusterPolicy("TiDBCluster", "fixture", {}, {}, origin, [], policies),
    },
    manifests: documents.filter((d) => d.kind !== "Policy").map((object) => ({ object: object as KubeObject, origin })),
    components: [],
    disruptionBudgets: [],
  };
}

describe("rule fixtures", () => {
  it("rule IDs are unique and every rule is described", () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of RULES) assert.ok(rule.description.length > 20, rule.id);
  });

  for (const rule of RULES.filter((r) => !RULES_WITHOUT_FINDINGS.has(r.id))) {
    describe(rule.id, () => {
      it("has at least one fixture that must fire and one that must pass", async () => {
        assert.ok((await readdir(fixturePath("rules", rule.id, "fire"))).length > 0);
        assert.ok((await readdir(fixturePath("rules", rule.id, "pass"))).length > 0);
      });
      for (const expectation of ["fire", "pass"] as const) {
        it(`${expectation} fixtures`, async () => {
          for (const name of await readdir(fixturePath("rules", rule.id, expectation))) {
            const findings = await findingsOf(rule.id, fixturePath("rules", rule.id, expectation, name));
            if (expectation === "fire") {
              assert.ok(findings.length > 0, `${name} must fire`);
              for (const f of findings) assert.equal(f.ruleId, rule.id);
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
      assert.doesNotMatch(messages, /hunter2|123456|app-password|aHVudGVyMg|MIIBOg|AKIA|ghp_|xoxb|eyJhbGci/, name);
    }
  });
});
