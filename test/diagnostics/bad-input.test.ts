import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fixturePath, runCli, tempProject } from "../helpers.js";

const GOOD_POOL = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: dc1 }
spec:
  nodes:
    - { name: n1, directories: [{ path: /data/pv/d1, capacity: 200Gi }] }
    - { name: n2, directories: [{ path: /data/pv/d1, capacity: 200Gi }] }
    - { name: n3, directories: [{ path: /data/pv/d1, capacity: 200Gi }] }
`;

/**
 * Each fixture in test/fixtures/invalid/ is one mistake a user makes. The expected lines were read
 * off the fixture: FILE:LINE:COL is where a reader finds the mistake, the rule ID names it.
 */
const CASES: { fixture: string; expected: string[] }[] = [
  { fixture: "unknown-field", expected: ["7:3: error schema-missing-field", "9:5: error schema-unknown-field"] },
  { fixture: "wrong-type", expected: ["6:9: error schema-type"] },
  { fixture: "bad-name", expected: ["4:3: error schema-name"] },
  { fixture: "literal-secret", expected: ["8:3: error secret-literal"] },
  { fixture: "missing-field", expected: ["4:1: error schema-missing-field"] },
  { fixture: "unknown-pool", expected: ["7:60: error hostpath-layout"] },
  { fixture: "small-pool", expected: ["18:60: error hostpath-layout"] },
  { fixture: "antdb-standby-pool", expected: ["17:38: error hostpath-layout"] },
  { fixture: "unsafe-path", expected: ["8:13: error hostpath-layout", "9:13: error hostpath-layout", "10:13: error hostpath-layout"] },
  { fixture: "alias-bomb", expected: ["1:1: error yaml-alias-limit"] },
  { fixture: "syntax-error", expected: ["7:3: error yaml-syntax"] },
  { fixture: "duplicate-key", expected: ["8:3: error yaml-duplicate-key"] },
  { fixture: "unknown-kind", expected: ["2:1: error schema-kind"] },
  { fixture: "unpinned-version", expected: ["5:3: error schema-value"] },
  { fixture: "size-without-unit", expected: ["8:35: error schema-value"] },
  { fixture: "limits-below-requests", expected: ["10:5: error resource-defaults"] },
  { fixture: "both-storage-kinds", expected: ["6:69: error schema-value"] },
  { fixture: "client-peer-mixed", expected: ["11:9: error schema-value"] },
  { fixture: "mysql-unsupported-version", expected: ["5:3: error schema-value"] },
  { fixture: "mysql-zero-replicas", expected: ["6:3: error schema-value"] },
  { fixture: "mysql-missing-secret-ref", expected: ["7:3: error schema-value"] },
  { fixture: "mysql-literal-password", expected: ["8:3: error secret-literal"] },
  { fixture: "mysql-external-root-alone", expected: ["7:3: error schema-value"] },
];

const RENDERED_BEFORE = { "rendered/prod/keep/kustomization.yaml": "resources: []\n" };

async function renderFixture(fixture: string) {
  const spec = await readFile(fixturePath("invalid", `${fixture}.yaml`), "utf8");
  const project = await tempProject({ "clusters/pool.yaml": GOOD_POOL, [`clusters/${fixture}.yaml`]: spec, ...RENDERED_BEFORE });
  const result = await runCli(["render"], project.root);
  const rendered = await readdir(path.join(project.root, "rendered"), { recursive: true });
  await project.cleanup();
  return { ...result, rendered };
}

describe("bad input", () => {
  for (const { fixture, expected } of CASES) {
    it(`${fixture}: located error, exit 1, rendered/ untouched`, async () => {
      // GIVEN a project whose only mistake is the fixture, and a rendered/ tree from before
      // WHEN the user renders
      const { code, stderr, stdout, rendered } = await renderFixture(fixture);
      // THEN every expected diagnostic is printed as FILE:LINE:COL: error RULE-ID message, and nothing else
      const lines = stderr.split("\n").filter((l) => / (error|warning) /.test(l));
      assert.deepEqual(
        lines.map((l) => l.replace(/^(clusters\/[^:]+):(\d+:\d+: \w+ \S+) .*$/, "$1:$2")),
        expected.map((e) => `clusters/${fixture}.yaml:${e}`),
      );
      for (const line of lines) assert.match(line, /^clusters\/\S+:\d+:\d+: error [a-z0-9-]+ \S.{10,}$/);
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.deepEqual(rendered.sort(), ["prod", "prod/keep", "prod/keep/kustomization.yaml"]);
    });
  }

  it("never prints a literal secret, in any command", async () => {
    // GIVEN a spec with a literal root password
    const spec = await readFile(fixturePath("invalid", "literal-secret.yaml"), "utf8");
    const project = await tempProject({ "clusters/leaky.yaml": spec });
    // WHEN it is rendered, checked and linted in every format
    const outputs = await Promise.all([
      runCli(["render"], project.root),
      runCli(["check"], project.root),
      runCli(["lint", "--format", "json"], project.root),
      runCli(["lint", "--format", "github"], project.root),
    ]);
    await project.cleanup();
    // THEN each fails and none shows the value
    for (const { code, stdout, stderr } of outputs) {
      assert.equal(code, 1);
      assert.doesNotMatch(stdout + stderr, /S3cr3t|Hunter2/);
    }
  });

  it("reports every error of a run at once, across files", async () => {
    // GIVEN three broken specs in three files
    const files = Object.fromEntries(await Promise.all(["wrong-type", "bad-name", "unpinned-version"].map(async (f) =>
      [`clusters/${f}.yaml`, await readFile(fixturePath("invalid", `${f}.yaml`), "utf8")] as const)));
    const project = await tempProject(files);
    // WHEN the user renders once
    const { code, stderr } = await runCli(["render"], project.root);
    await project.cleanup();
    // THEN all three errors are reported, sorted by file
    assert.equal(code, 1);
    const located = stderr.split("\n").filter((l) => l.includes(": error ")).map((l) => l.split(":")[0]);
    assert.deepEqual(located, ["clusters/bad-name.yaml", "clusters/unpinned-version.yaml", "clusters/wrong-type.yaml"]);
  });

  it("rejects duplicate cluster names across files, pointing at the second", async () => {
    // GIVEN the same cluster name in two files
    const spec = (name: string) => `apiVersion: clusterc/v1
kind: TiDBCluster
metadata:
  name: ${name}
spec:
  version: v7.5.1
  pd: { storage: { size: 1Gi } }
  tikv: { storage: { size: 1Gi } }
  rootPassword: { secretRef: { name: root, key: password } }
`;
    const project = await tempProject({ "clusters/a/orders.yaml": spec("orders"), "clusters/b/orders.yaml": spec("orders") });
    // WHEN rendering
    const { code, stderr } = await runCli(["render"], project.root);
    await project.cleanup();
    // THEN the second definition is the error, and it names the first file
    assert.equal(code, 1);
    assert.match(stderr, /^clusters\/b\/orders\.yaml:4:3: error duplicate-name cluster "orders" is already defined in clusters\/a\/orders\.yaml/m);
  });

  it("treats a cluster named like a GitOps folder at the top of clusters/ as an error", async () => {
    const project = await tempProject({ "clusters/argocd.yaml": `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: argocd }
spec:
  version: v7.5.1
  pd: { storage: { size: 1Gi } }
  tikv: { storage: { size: 1Gi } }
  rootPassword: { secretRef: { name: root, key: password } }
` });
    const { code, stderr } = await runCli(["render"], project.root);
    await project.cleanup();
    assert.equal(code, 1);
    assert.match(stderr, /clusters\/argocd\.yaml:3:\d+: error output-path-reserved/);
  });
});
