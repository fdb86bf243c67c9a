import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import fg from "fast-glob";
import { REPO_ROOT, THREE_NODE_POOL, compileProject, tidbSpec } from "../helpers.js";
import { renderedScripts, shellcheck, shellcheckAvailable } from "../harness/scripts.js";

/** Specs that between them render every shape of script: each workload kind, service type and secret source. */
const VARIANTS: Record<string, string> = {
  "clusters/pool.yaml": THREE_NODE_POOL,
  "clusters/variants/sts.yaml": tidbSpec("sts", `  version: v7.5.1
  pd: { replicas: 1, storage: { size: 1Gi } }
  tikv: { replicas: 1, storage: { size: 1500Mi } }
  tidb: { replicas: 1, workload: StatefulSet, service: { type: LoadBalancer } }
  rootPassword: { externalSecret: { store: vault, remoteKey: db/sts } }
`),
  "clusters/variants/hostpath.yaml": tidbSpec("hostpath", `  version: v8.5.1
  pd: { replicas: 3, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv: { replicas: 3, storage: { size: 100G, hostPath: { pool: dc1 } } }
  tidb: { replicas: 2, service: { type: NodePort, nodePorts: { mysql: 31000 } } }
  rootPassword: { secretRef: { name: root, key: password } }
`),
  "clusters/variants/mysql84.yaml": `apiVersion: clusterc/v1
kind: MySQLCluster
metadata: { name: mysql84 }
spec:
  version: "8.4.3"
  replicas: 2
  storage: { size: 10Gi }
  rootPassword: { externalSecret: { store: vault, remoteKey: db/mysql84/root } }
  replicationPassword: { externalSecret: { store: vault, remoteKey: db/mysql84/repl } }
`,
  "clusters/variants/vitess.yaml": `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: vt }
spec:
  version: v20.0.2
  cells: [zone1, zone2]
  vtgate: { service: { type: NodePort }, authentication: { externalSecret: { store: vault, remoteKey: vt/users } } }
  keyspaces:
    - { name: commerce, tablets: { replica: 1, storage: { size: 1Gi } }, schema: "CREATE TABLE IF NOT EXISTS t (id BIGINT);", vschema: { tables: { t: {} } } }
    - { name: customer, shards: 2, tablets: { replica: 2, rdonly: 1, cell: zone2, storage: { size: 1Gi } } }
`,
  "clusters/variants/antdb.yaml": `apiVersion: clusterc/v1
kind: AntDBCluster
metadata: { name: plain }
spec:
  image: asiainfo/antdb50:1.1
  coordinators: { replicas: 2 }
  storage: { size: 1Gi, storageClassName: standard }
`,
};

async function exampleFleet(): Promise<Record<string, string>> {
  const files = await fg("clusters/**/*.yaml", { cwd: REPO_ROOT });
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(path.join(REPO_ROOT, f), "utf8")] as const)));
}

describe("every rendered shell script passes shellcheck", () => {
  it("shellcheck is installed (.ci/run installs it; this suite fails rather than skips without it)", () => {
    assert.ok(shellcheckAvailable(), "shellcheck is not on PATH: apt-get install -y shellcheck (Debian), as .ci/run does");
  });

  for (const [name, load] of [["the example fleet in clusters/", exampleFleet], ["the variant specs", async () => VARIANTS]] as const) {
    it(`${name}: every container, init container, hook and exec probe script`, async () => {
      // GIVEN the specs, rendered
      const { objects, diagnostics } = await compileProject(await load());
      assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
      const scripts = renderedScripts(objects.values());
      assert.ok(scripts.length >= 4, `found the scripts (${scripts.map((s) => s.where).join("; ")})`);
      // WHEN shellcheck reads each of them
      const findings = await Promise.all(scripts.map(async (s) => ({ where: s.where, output: await shellcheck(s) })));
      // THEN none has a finding, of any severity
      assert.deepEqual(findings.filter((f) => f.output !== ""), []);
    });
  }
});
