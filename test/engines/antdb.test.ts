import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reported, type RenderedObject } from "../helpers.js";
import { ADB, adbWith, pool, renderAdb } from "./adb.js";

const COMPONENTS = ["gc", "gcs", "cn", "dn", "ds", "mgr"] as const;

function pod(object: RenderedObject) {
  return object.spec.template.spec;
}

function main(object: RenderedObject) {
  return pod(object).containers[0];
}

function env(object: RenderedObject): Record<string, string> {
  return Object.fromEntries(main(object).env.map((e: { name: string; value?: string }) => [e.name, e.value]));
}

describe("AntDBCluster engine", () => {
  it("renders SPEC's minimal spec without a finding: gc, gcs, cn, dn, ds and mgr as StatefulSets, each behind a headless Service", async () => {
    // GIVEN the minimal spec and a pool of four nodes WHEN it renders
    const { diagnostics, find } = await renderAdb();
    // THEN nothing is reported, and every component of the article is there with the article's counts
    assert.deepEqual(reported(diagnostics), []);
    const replicas = Object.fromEntries(COMPONENTS.map((c) => [c, find("StatefulSet", `adb-${c}`).spec.replicas]));
    assert.deepEqual(replicas, { gc: 1, gcs: 1, cn: 1, dn: 2, ds: 2, mgr: 1 });
    for (const c of COMPONENTS) {
      const peer = find("Service", `adb-${c}-peer`);
      assert.equal(peer.spec.clusterIP, "None");
      assert.equal(peer.spec.publishNotReadyAddresses, true, `${c}: the Job finds every pod's address before it is ready`);
      assert.equal(find("StatefulSet", `adb-${c}`).spec.serviceName, `adb-${c}-peer`);
    }
    assert.deepEqual(find("Service", "adb-cn").spec.ports.map((p: { port: number }) => p.port), [5432], "clients reach the coordinators");
    assert.deepEqual(find("Service", "adb-mgr").spec.ports.map((p: { port: number }) => p.port), [6432], "hooks and the Job reach the manager");
  });

  it("renders no standby when the spec asks for none", async () => {
    const { diagnostics, has } = await renderAdb(adbWith(["gtm: { standby: true }", "gtm: { standby: false }"], ["replicas: 2, standby: true", "replicas: 2, standby: false"]));
    assert.deepEqual(reported(diagnostics), []);
    assert.equal(has("StatefulSet", "adb-gcs"), false);
    assert.equal(has("StatefulSet", "adb-ds"), false);
    assert.equal(has("StatefulSet", "adb-dn"), true);
  });

  // The article's table (资源设置), checked value by value.
  const TABLE: [string, { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }][] = [
    ["gc", { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } }],
    ["gcs", { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } }],
    ["cn", { requests: { cpu: "1", memory: "256M" }, limits: { cpu: "2", memory: "512M" } }],
    ["dn", { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } }],
    ["ds", { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } }],
    ["mgr", { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } }],
  ];
  for (const [component, expected] of TABLE) {
    it(`gives ${component} the article's resources by default`, async () => {
      const { find } = await renderAdb();
      assert.deepEqual(main(find("StatefulSet", `adb-${component}`)).resources, expected);
    });
  }

  it("lets a policy and the spec override the defaults per component; a standby is sized like its master", async () => {
    // GIVEN a policy that sizes cn, and a spec that sizes the datanodes
    const policy = `apiVersion: clusterc/v1
kind: Policy
metadata: { name: sizes }
spec:
  defaults:
    AntDBCluster:
      cn: { requests: { cpu: "2", memory: 1Gi }, limits: { cpu: "4", memory: 2Gi } }
`;
    const spec = adbWith(["replicas: 2, standby: true }", "replicas: 2, standby: true, resources: { limits: { memory: 4Gi } } }"]);
    const { diagnostics, find } = await renderAdb(spec, { "clusters/pool.yaml": pool(4), "policies/sizes.yaml": policy });
    assert.deepEqual(reported(diagnostics), []);
    // THEN cn takes the policy's values, dn and ds the spec's limit, and gc keeps the built-in ones
    assert.deepEqual(main(find("StatefulSet", "adb-cn")).resources, { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "4", memory: "2Gi" } });
    for (const c of ["dn", "ds"]) assert.equal(main(find("StatefulSet", `adb-${c}`)).resources.limits.memory, "4Gi", c);
    assert.equal(main(find("StatefulSet", "adb-gc")).resources.limits.memory, "1G");
  });

  it("keeps dn and ds required apart on kubernetes.io/hostname, both ways, and gc and gcs preferred apart with weight 100 (the seed's affinity)", async () => {
    const { find } = await renderAdb();
    const antiAffinity = (c: string) => pod(find("StatefulSet", `adb-${c}`)).affinity.podAntiAffinity;
    const components = (terms: { labelSelector?: { matchLabels: Record<string, string> }; podAffinityTerm?: { labelSelector: { matchLabels: Record<string, string> }; topologyKey: string }; topologyKey?: string }[] = []) =>
      terms.map((t) => [(t.podAffinityTerm ?? t).labelSelector!.matchLabels["app.kubernetes.io/component"], (t.podAffinityTerm ?? t).topologyKey]);
    assert.deepEqual(components(antiAffinity("dn").requiredDuringSchedulingIgnoredDuringExecution), [["ds", "kubernetes.io/hostname"]]);
    assert.deepEqual(components(antiAffinity("ds").requiredDuringSchedulingIgnoredDuringExecution), [["dn", "kubernetes.io/hostname"]]);
    for (const [from, other] of [["gc", "gcs"], ["gcs", "gc"]] as const) {
      const preferred = antiAffinity(from).preferredDuringSchedulingIgnoredDuringExecution;
      assert.deepEqual(preferred.map((p: { weight: number }) => p.weight), [100]);
      assert.deepEqual(components(preferred), [[other, "kubernetes.io/hostname"]]);
      assert.equal(antiAffinity(from).requiredDuringSchedulingIgnoredDuringExecution, undefined, `${from}: preferred only, as the seed`);
    }
  });

  it("lets a drain take one pod of a primary/standby set at a time: one budget over gc and gcs, one over every dn and ds", async () => {
    const { objects, find } = await renderAdb();
    const selects = (budget: RenderedObject, c: string) => {
      const labels = find("StatefulSet", `adb-${c}`).spec.template.metadata.labels;
      return Object.entries(budget.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v);
    };
    const budgets = [...objects.values()].filter((o) => o.kind === "PodDisruptionBudget");
    assert.deepEqual(budgets.map((b) => [b.metadata.name, b.spec.maxUnavailable]).sort(), [["adb-datanodes", 1], ["adb-gtm", 1]]);
    const covered = (name: string) => COMPONENTS.filter((c) => selects(find("PodDisruptionBudget", name), c));
    assert.deepEqual(covered("adb-gtm"), ["gc", "gcs"]);
    assert.deepEqual(covered("adb-datanodes"), ["dn", "ds"]);
  });

  it("places no dn volume on a node that holds a ds volume of the cluster", async () => {
    const { objects } = await renderAdb();
    const nodeOf = (pv: RenderedObject) => pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0] as string;
    const volumes = [...objects.values()].filter((o) => o.kind === "PersistentVolume");
    const nodes = (c: string) => new Set(volumes.filter((v) => v.metadata.labels!["app.kubernetes.io/component"] === c).map(nodeOf));
    assert.equal(nodes("dn").size, 2);
    assert.equal(nodes("ds").size, 2);
    assert.deepEqual([...nodes("dn")].filter((n) => nodes("ds").has(n)), []);
  });

  it("runs the address re-registration as a postStart hook on every node pod, and none on the manager", async () => {
    const { find } = await renderAdb();
    for (const c of ["gc", "gcs", "cn", "dn", "ds"]) {
      const hook = main(find("StatefulSet", `adb-${c}`)).lifecycle.postStart.exec.command;
      assert.equal(hook[0], "/bin/sh");
      assert.match(hook[2], /ALTER HOST \$\{node\} \(ADDRESS='\$\{POD_IP\}'\)/, c);
      assert.match(hook[2], /FLUSH HOST/, c);
    }
    assert.equal(main(find("StatefulSet", "adb-mgr")).lifecycle, undefined);
  });

  it("gives a stopping node pod time for the fast shutdown its preStop hook asks the manager for", async () => {
    const { find } = await renderAdb();
    for (const c of ["gc", "gcs", "cn", "dn", "ds"]) {
      const sts = find("StatefulSet", `adb-${c}`);
      assert.match(main(sts).lifecycle.preStop.exec.command[2], /STOP \$\{role\} \$\{node\} MODE FAST/, c);
      assert.equal(pod(sts).terminationGracePeriodSeconds, 120, c);
    }
  });

  it("starts gc and gcs, then dn and ds, then cn, then mgr, and registers last (a PostSync hook that deletes itself before the next)", async () => {
    const { find } = await renderAdb();
    const waves = Object.fromEntries(COMPONENTS.map((c) => [c, find("StatefulSet", `adb-${c}`).metadata.annotations!["argocd.argoproj.io/sync-wave"]]));
    assert.deepEqual(waves, { gc: "0", gcs: "0", dn: "1", ds: "1", cn: "2", mgr: "3" });
    const job = find("Job", "adb-register");
    assert.equal(job.metadata.annotations!["argocd.argoproj.io/hook"], "PostSync");
    assert.equal(job.metadata.annotations!["argocd.argoproj.io/hook-delete-policy"], "BeforeHookCreation");
    assert.equal(job.metadata.annotations!["kustomize.toolkit.fluxcd.io/force"], "enabled");
  });

  it("lists every node for the registration Job, each datanode master before its standby, and scales the pairs together", async () => {
    const { find } = await renderAdb(adbWith(["replicas: 2, standby: true", "replicas: 3, standby: true"]), { "clusters/pool.yaml": pool(6) });
    assert.equal(find("StatefulSet", "adb-dn").spec.replicas, 3);
    assert.equal(find("StatefulSet", "adb-ds").spec.replicas, 3);
    const names = env(find("Job", "adb-register")).NODES!.split("\n").map((line) => line.split(" ").slice(0, 4).join(" "));
    assert.deepEqual(names, [
      "gc0 GTMCOORD MASTER -", "gcs0 GTMCOORD SLAVE gc0",
      "dn0 DATANODE MASTER -", "ds0 DATANODE SLAVE dn0",
      "dn1 DATANODE MASTER -", "ds1 DATANODE SLAVE dn1",
      "dn2 DATANODE MASTER -", "ds2 DATANODE SLAVE dn2",
      "cn0 COORDINATOR MASTER -",
    ]);
    assert.match(env(find("Job", "adb-register")).NODES!, /^gc0 GTMCOORD MASTER - 6655 adb-gc-0\.adb-gc-peer\.antdb\.svc$/m);
  });

  it("puts no password anywhere: no env value, no Secret object (the image's baked accounts are not used)", async () => {
    const { objects } = await renderAdb();
    const text = JSON.stringify([...objects.values()]);
    assert.doesNotMatch(text, /password/i);
    assert.equal([...objects.values()].some((o) => o.kind === "Secret"), false);
  });

  it("rejects an unpinned image", async () => {
    const { diagnostics } = await renderAdb(ADB.replace("asiainfo/antdb50:1.1", "asiainfo/antdb50:latest"));
    assert.ok(diagnostics.some((d) => d.ruleId === "images" && d.severity === "error"));
  });

  it("runs every container with resources, the ownership init container included", async () => {
    const { objects } = await renderAdb();
    for (const object of objects.values()) {
      const spec = object.spec?.template?.spec;
      if (!spec) continue;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        assert.ok(container.resources?.requests?.cpu && container.resources?.limits?.memory, `${object.metadata.name}/${container.name}`);
      }
    }
  });
});
