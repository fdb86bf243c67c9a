import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { compileProject, MINIMAL_TIDB_SPEC, runCli, tempProject, type RenderedObject, reported } from "../helpers.js";

const cluster = (name: string, labels: string, spec = MINIMAL_TIDB_SPEC) => `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: ${name}, labels: { ${labels} } }
spec:
${spec}`;

const policy = (name: string, spec: string) => `apiVersion: clusterc/v1
kind: Policy
metadata: { name: ${name} }
spec:
${spec}`;

function workload(objects: Map<string, RenderedObject>, name: string): RenderedObject {
  return [...objects.values()].find((o) => ["StatefulSet", "Deployment"].includes(o.kind) && o.metadata.name === name)!;
}

function container(objects: Map<string, RenderedObject>, name: string) {
  return workload(objects, name).spec.template.spec.containers[0];
}

describe("policies", () => {
  it("layer built-in < policies in file-name order < spec, value by value", async () => {
    // GIVEN two policies that both set TiKV's CPU request, and a spec that sets its memory request
    const { objects, diagnostics } = await compileProject({
      "policies/b-second.yaml": policy("second", "  defaults: { TiDBCluster: { tikv: { requests: { cpu: '3' } } } }\n"),
      "policies/a-first.yaml": policy("first", "  defaults: { TiDBCluster: { tikv: { requests: { cpu: '2', memory: 6Gi } } } }\n"),
      "clusters/orders.yaml": cluster("orders", "env: prod", MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi }, resources: { requests: { memory: 8Gi } }")),
    });
    assert.deepEqual(reported(diagnostics), []);
    // THEN the later file wins over the earlier, the spec over both, and built-in fills the rest
    assert.deepEqual(container(objects, "orders-tikv").resources, {
      requests: { cpu: "3", memory: "8Gi" },
      limits: { cpu: "4", memory: "16Gi" },
    });
  });

  it("apply only to clusters their selector matches", async () => {
    const { objects } = await compileProject({
      "policies/prod.yaml": policy("prod", "  selector: { matchLabels: { env: prod } }\n  defaults: { TiDBCluster: { pd: { limits: { cpu: '3' } } } }\n"),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
      "clusters/b.yaml": cluster("beta", "env: staging"),
    });
    assert.equal(container(objects, "alpha-pd").resources.limits.cpu, "3");
    assert.equal(container(objects, "beta-pd").resources.limits.cpu, "2");
  });

  it("can tighten anti-affinity to required for every component, never loosen it for quorum members", async () => {
    const affinity = async (setting: string) => {
      const { objects } = await compileProject({
        "policies/p.yaml": policy("p", `  rules: { antiAffinity: ${setting} }\n`),
        "clusters/a.yaml": cluster("alpha", "env: prod"),
      });
      const pod = (name: string) => Object.keys(workload(objects, name).spec.template.spec.affinity.podAntiAffinity);
      return { pd: pod("alpha-pd"), tidb: pod("alpha-tidb") };
    };
    assert.deepEqual(await affinity("required"), { pd: ["requiredDuringSchedulingIgnoredDuringExecution"], tidb: ["requiredDuringSchedulingIgnoredDuringExecution"] });
    assert.deepEqual(await affinity("preferred"), { pd: ["requiredDuringSchedulingIgnoredDuringExecution"], tidb: ["preferredDuringSchedulingIgnoredDuringExecution"] });
  });

  it("report defaults for a component the kind does not have, at the policy line", async () => {
    const { diagnostics } = await compileProject({
      "policies/p.yaml": policy("p", "  defaults:\n    TiDBCluster:\n      tikvv: { requests: { cpu: '2' } }\n"),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    });
    assert.deepEqual(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.ruleId}`), ["policies/p.yaml:7:7 policy-defaults"]);
    assert.match(diagnostics[0]!.message, /TiDBCluster has no component "tikvv" \(components: pd, tikv, tidb, helpers\)/);
  });

  it("live in policies/, and specs in clusters/", async () => {
    const { diagnostics } = await compileProject({
      "clusters/p.yaml": policy("p", "  rules: { antiAffinity: required }\n"),
      "policies/a.yaml": cluster("alpha", "env: prod"),
    });
    assert.deepEqual(diagnostics.map((d) => `${d.file}:${d.line} ${d.ruleId}`), ["clusters/p.yaml:2 source-folder", "policies/a.yaml:2 source-folder"]);
  });
});

describe("hostPath.allowedPrefixes", () => {
  const pool = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: dc1 }
spec:
  nodes:
    - { name: n1, directories: [{ path: /mnt/scratch, capacity: 1Ti }, { path: /data/pv/a, capacity: 200Gi }] }
    - { name: n2, directories: [{ path: /mnt/scratch, capacity: 1Ti }, { path: /data/pv/a, capacity: 200Gi }] }
    - { name: n3, directories: [{ path: /mnt/scratch, capacity: 1Ti }, { path: /data/pv/a, capacity: 200Gi }] }
`;
  const onPool = MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi, hostPath: { pool: dc1 } }");

  it("keeps new volumes under the allowed prefixes, even where a bigger directory is free elsewhere", async () => {
    const { objects, diagnostics } = await compileProject({
      "policies/p.yaml": policy("p", "  rules: { hostPath: { allowedPrefixes: [/data/] } }\n"),
      "clusters/pool.yaml": pool,
      "clusters/a.yaml": cluster("alpha", "env: prod", onPool),
    });
    assert.deepEqual(reported(diagnostics), []);
    const paths = [...objects.values()].filter((o) => o.kind === "PersistentVolume").map((pv) => pv.spec.hostPath.path);
    assert.deepEqual([...new Set(paths)], ["/data/pv/a"]);
  });

  it("reports a volume placed before the policy allowed only other directories, at the pool line, without moving it", async () => {
    // GIVEN a cluster rendered before the policy existed: smallest fitting directory is /data/pv/a
    const tight = pool.replaceAll("/data/pv/a, capacity: 200Gi", "/data/pv/a, capacity: 50Gi");
    const project = await tempProject({ "clusters/pool.yaml": tight, "clusters/a.yaml": cluster("alpha", "env: prod", onPool) });
    assert.equal((await runCli(["render"], project.root)).code, 0);
    // WHEN a policy then allows only /data/
    await mkdir(path.join(project.root, "policies"));
    await writeFile(path.join(project.root, "policies/p.yaml"), policy("p", "  rules: { hostPath: { allowedPrefixes: [/data/] } }\n"));
    const { code, stderr } = await runCli(["render"], project.root);
    await project.cleanup();
    // THEN each of the three volumes on /mnt/scratch is an error at its pool directory
    assert.equal(code, 1);
    const lines = stderr.split("\n").filter((l) => l.includes("error hostpath-layout"));
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /^clusters\/pool\.yaml:\d+:\d+: error hostpath-layout \/mnt\/scratch on node n\d holds claim alpha\/data-alpha-tikv-\d of cluster alpha, outside \/data\/ allowed by policy p/);
  });
});

describe("policy exceptions", () => {
  const forbidding = (exceptions: string) => policy("strict", `  rules: { resources: { maxLimitRequestRatio: 2 } }\n  exceptions:\n${exceptions}`);
  const exception = (rule: string, expires: string) => `    - { rule: ${rule}, cluster: alpha, reason: "TiDB bursts during the nightly batch", expires: ${expires} }\n`;

  it("suppress a finding until they expire, and lint still shows it as suppressed", async () => {
    // GIVEN a ratio bound that TiDB's built-in resources break, and an exception for it
    const project = await tempProject({
      "policies/strict.yaml": forbidding(exception("resource-bounds", "2099-12-31")),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    });
    // WHEN the user renders and lints
    const render = await runCli(["render"], project.root);
    const lint = await runCli(["lint"], project.root);
    const json = await runCli(["lint", "--format", "json"], project.root);
    await project.cleanup();
    // THEN the render passes and prints nothing about it, while lint reports it as a suppressed note
    assert.equal(render.code, 0);
    assert.doesNotMatch(render.stderr, /resource-bounds/);
    assert.equal(lint.code, 0);
    assert.match(lint.stdout, /^clusters\/a\.yaml:\d+:\d+: note resource-bounds .* \[suppressed by policy strict until 2099-12-31: TiDB bursts during the nightly batch\] \(policy bound set at policies\/strict\.yaml:\d+:\d+\)$/m);
    assert.ok(JSON.parse(json.stdout).every((d: { severity: string }) => d.severity === "note"));
  });

  it("are errors once expired, and suppress nothing any more", async () => {
    const { diagnostics } = await compileProject({
      "policies/strict.yaml": forbidding(exception("resource-bounds", "2026-01-31")),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    }, { today: "2026-02-01" });
    const expired = diagnostics.filter((d) => d.ruleId === "policy-exception-expired");
    assert.deepEqual(expired.map((d) => `${d.file}:${d.line}`), ["policies/strict.yaml:7"]);
    assert.match(expired[0]!.message, /expired on 2026-01-31; fix the finding, or renew the exception/);
    assert.ok(diagnostics.some((d) => d.ruleId === "resource-bounds" && d.severity === "error"));
  });

  it("hold through their last day", async () => {
    const { diagnostics } = await compileProject({
      "policies/strict.yaml": forbidding(exception("resource-bounds", "2026-01-31")),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    }, { today: "2026-01-31" });
    assert.ok(diagnostics.every((d) => d.severity === "note"));
  });

  it("name a rule that exists", async () => {
    const { diagnostics } = await compileProject({
      "policies/strict.yaml": forbidding(exception("no-such-rule", "2099-01-01")),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    });
    assert.ok(diagnostics.some((d) => d.ruleId === "policy-exception" && d.file === "policies/strict.yaml" && d.line === 7 && /no rule "no-such-rule"/.test(d.message)));
  });

  it("need a reason and an expiry date", async () => {
    const { diagnostics } = await compileProject({
      "policies/strict.yaml": forbidding("    - { rule: resource-bounds, cluster: alpha }\n"),
      "clusters/a.yaml": cluster("alpha", "env: prod"),
    });
    assert.deepEqual(diagnostics.map((d) => d.ruleId), ["schema-missing-field", "schema-missing-field"]);
    const messages = diagnostics.map((d) => d.message).join("\n");
    assert.match(messages, /spec\.exceptions\[0\]\.reason: is required/);
    assert.match(messages, /spec\.exceptions\[0\]\.expires: is required/);
  });
});

describe("clusterc explain", () => {
  it("shows each effective setting with the policy or spec line that set it", async () => {
    const project = await tempProject({
      "policies/prod.yaml": policy("prod", "  defaults: { TiDBCluster: { tikv: { requests: { cpu: '6' } } } }\n  rules: { antiAffinity: required }\n"),
      "clusters/a.yaml": cluster("alpha", "env: prod", MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi }, resources: { limits: { cpu: '12' } }")),
    });
    const { code, stdout } = await runCli(["explain", "alpha"], project.root);
    const unknown = await runCli(["explain", "gamma"], project.root);
    await project.cleanup();
    assert.equal(code, 0);
    assert.match(stdout, /^ {2}tikv requests\.cpu +6 +policy prod \(policies\/prod\.yaml:5:50\)$/m);
    assert.match(stdout, /^ {2}tikv limits\.cpu +12 +spec \(clusters\/a\.yaml:7:\d+\)$/m);
    assert.match(stdout, /^ {2}pd requests\.cpu +500m +built-in$/m);
    assert.match(stdout, /^ {2}antiAffinity +required +policy prod \(policies\/prod\.yaml:6:\d+\)$/m);
    assert.equal(unknown.code, 2);
  });
});

describe("secrets pasted into specs", () => {
  it("are found in any string, reported without the value", async () => {
    const { diagnostics } = await compileProject({
      "clusters/gitops.yaml": `apiVersion: clusterc/v1
kind: GitOps
metadata: { name: delivery }
spec:
  repoURL: https://deploy:ghp_16C7e42F292c6912E7710c838347Ae178B4a@git.example.com/platform/db.git
  argocd: {}
`,
    });
    assert.deepEqual(diagnostics.map((d) => `${d.line}:${d.col} ${d.ruleId}`), ["5:3 secret-literal"]);
    assert.doesNotMatch(diagnostics[0]!.message, /ghp_|deploy:/);
  });
});
