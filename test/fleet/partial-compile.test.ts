import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { claimOf, clusterc, clusterYaml, poolYaml, stateOf, writeClusters, type PoolShape } from "../hostpath/fleet.js";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, THREE_NODE_POOL, tidbSpec } from "../helpers.js";

/** A cluster that breaks a rule (an image tag a policy forbids is not possible without a policy: a limit below its request is). */
const RULE_BROKEN = tidbSpec("beta", MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi }, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } }"));

/** Ways a user breaks the spec of cluster alpha: each stops alpha alone. */
const TYPOS: { what: string; alpha: string; error: RegExp }[] = [
  { what: "a misspelled field", alpha: tidbSpec("alpha", MINIMAL_TIDB_SPEC.replace("pd:", "pdd:")), error: /^clusters\/alpha\.yaml:\d+:\d+: error schema-unknown-field spec\.pdd/m },
  { what: "a YAML syntax error", alpha: tidbSpec("alpha", MINIMAL_TIDB_SPEC.replace("  tikv:", "   tikv:")), error: /^clusters\/alpha\.yaml:\d+:\d+: error yaml-syntax/m },
  { what: "a value out of range", alpha: tidbSpec("alpha", MINIMAL_TIDB_SPEC.replace("replicas: 3, storage: { size: 10Gi }", "replicas: 0, storage: { size: 10Gi }")), error: /^clusters\/alpha\.yaml:\d+:\d+: error schema-value spec\.pd\.replicas/m },
];

describe("a spec with errors stops its own cluster only", () => {
  for (const { what, alpha, error } of TYPOS) {
    it(`${what} in one spec is reported with the rule findings of the other clusters, and render writes nothing`, async () => {
      // GIVEN alpha with ${what}, and beta, valid in its schema, breaking a rule
      const project = await tempProject({ "clusters/alpha.yaml": alpha, "clusters/beta.yaml": RULE_BROKEN });
      // WHEN it is linted and rendered
      const lint = await runCli(["lint"], project.root);
      const render = await runCli(["render"], project.root);
      const rendered = await readTree(path.join(project.root, "rendered"));
      await project.cleanup();
      // THEN both are reported in one run: alpha's error and beta's rule finding
      assert.equal(lint.code, 1);
      assert.match(lint.stdout, error);
      assert.match(lint.stdout, /^clusters\/beta\.yaml:\d+:\d+: error resource-defaults StatefulSet beta-tikv, container tikv: limits\.cpu 1 is below requests\.cpu 2/m);
      // AND render reports the same and writes nothing
      assert.equal(render.code, 1);
      assert.match(render.stderr, error);
      assert.match(render.stderr, /error resource-defaults StatefulSet beta-tikv/);
      assert.equal(rendered.size, 0);
    });
  }

  for (const [what, file, broken] of [
    ["policy", "policies/base.yaml", "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: base }\nspec:\n  rules: { resources: { minn: { cpu: 1 } } }\n"],
    ["pool", "clusters/pool.yaml", THREE_NODE_POOL.replace("capacity: 100Gi }", "capacty: 100Gi }")],
  ] as const) {
    it(`a ${what} with errors stops every cluster, since any of them may depend on it`, async () => {
      // GIVEN a broken ${what} beside a cluster that breaks a rule
      const project = await tempProject({ [file]: broken, "clusters/beta.yaml": RULE_BROKEN });
      const { code, stdout } = await runCli(["lint"], project.root);
      await project.cleanup();
      // THEN only the ${what}'s error is reported: beta is judged once the ${what} it may use can be read
      assert.equal(code, 1);
      assert.match(stdout, new RegExp(`^${file.replace(".", "\\.")}:\\d+:\\d+: error schema-`, "m"));
      assert.doesNotMatch(stdout, /beta/);
    });
  }

  it("fleet-wide checks still run over the clusters that compiled", async () => {
    // GIVEN two valid clusters asking for one node port, and a third with a typo
    const nodePort = (name: string) => tidbSpec(name, `${MINIMAL_TIDB_SPEC}  tidb: { replicas: 1, service: { type: NodePort, nodePorts: { mysql: 31000 } } }\n`);
    const project = await tempProject({ "clusters/a.yaml": nodePort("alpha"), "clusters/b.yaml": nodePort("beta"), "clusters/c.yaml": TYPOS[0]!.alpha.replace("alpha", "gamma") });
    const { code, stdout } = await runCli(["lint"], project.root);
    await project.cleanup();
    // THEN the conflict is reported at both clusters, beside gamma's schema error
    assert.equal(code, 1);
    assert.equal(stdout.split("\n").filter((l) => l.includes("error node-port-conflict")).length, 2, stdout);
    assert.match(stdout, /^clusters\/c\.yaml:\d+:\d+: error schema-unknown-field/m);
  });
});

/** Three nodes with one directory each: alpha's three PD replicas fill the pool. */
const FULL_WITH_ONE: PoolShape = { n1: [["/data/pv/a", "100Gi"]], n2: [["/data/pv/a", "100Gi"]], n3: [["/data/pv/a", "100Gi"]] };

describe("the hostPath placements of a cluster whose spec has errors", () => {
  it("stay its own: not reported as released, and not handed to another cluster", async () => {
    const project = await tempProject({});
    const root = project.root;
    try {
      // GIVEN alpha rendered, its three PD volumes filling pool dc1
      const pool = poolYaml(FULL_WITH_ONE);
      await writeClusters(root, { "pool.yaml": pool, "alpha.yaml": clusterYaml("alpha", { pd: 3 }) });
      const before = await clusterc(root, "render");
      assert.equal(before.code, 0, before.stderr);
      // WHEN alpha's spec gets a typo, and beta, which needs three directories of the pool, is added
      await writeClusters(root, {
        "pool.yaml": pool,
        "alpha.yaml": clusterYaml("alpha", { pd: 3 }).replace("rootPassword", "rootPasword"),
        "beta.yaml": clusterYaml("beta", { pd: 3 }),
      });
      const render = await clusterc(root, "render");
      const pools = await clusterc(root, "pools");
      // THEN alpha's volumes are not called released, beta finds no free directory, and nothing is written
      assert.equal(render.code, 1);
      assert.match(render.stderr, /^clusters\/alpha\.yaml:\d+:\d+: error schema-unknown-field spec\.rootPasword/m);
      assert.doesNotMatch(render.stderr, /released/);
      assert.match(render.stderr, /^clusters\/beta\.yaml:\d+:\d+: error hostpath-layout pd: 3 replicas must be on distinct nodes but pool dc1 has 0 node\(s\) with a free directory/m);
      assert.deepEqual(render.files, before.files);
      // AND the layout shows the directories still held by alpha's claims
      const held = stateOf(before.files).map((e) => claimOf(e)).sort();
      assert.deepEqual(held, ["alpha/data-alpha-pd-0", "alpha/data-alpha-pd-1", "alpha/data-alpha-pd-2"]);
      assert.match(pools.stdout, /^pool dc1: 3 node\(s\), 3 directories: 3 bound, 0 released, 0 free$/m);
      for (const ordinal of [0, 1, 2]) assert.match(pools.stdout, new RegExp(`/data/pv/a +100Gi +alpha pd-${ordinal}$`, "m"));
    } finally {
      await project.cleanup();
    }
  });
});

describe("the caches after a run with a broken spec", () => {
  it("a render after the fix writes what the same history without that run writes", async () => {
    const withRun = await tempProject({});
    const without = await tempProject({});
    try {
      // GIVEN alpha and beta on one pool, rendered in two projects alike
      const pool = poolYaml(Object.fromEntries(["n1", "n2", "n3", "n4", "n5", "n6"].map((n) => [n, [["/data/pv/a", "100Gi"], ["/data/pv/b", "100Gi"], ["/data/pv/c", "100Gi"]]])));
      const first = { "pool.yaml": pool, "alpha.yaml": clusterYaml("alpha", { pd: 3 }), "beta.yaml": clusterYaml("beta", { pd: 3 }) };
      const next = { "pool.yaml": pool, "alpha.yaml": clusterYaml("alpha", { pd: 3, tikv: 3 }), "beta.yaml": clusterYaml("beta", { pd: 3, tikv: 3 }) };
      for (const root of [withRun.root, without.root]) {
        await writeClusters(root, first);
        assert.equal((await clusterc(root, "render")).code, 0);
      }
      // WHEN in one of them a lint runs while alpha is broken, so beta's new TiKV volumes are placed and cached without alpha's
      await writeClusters(withRun.root, { ...next, "alpha.yaml": next["alpha.yaml"].replace("pd:", "pdd:") });
      assert.equal((await clusterc(withRun.root, "lint")).code, 1);
      // AND then both render the fixed specs
      const results = [];
      for (const root of [withRun.root, without.root]) {
        await writeClusters(root, next);
        results.push(await clusterc(root, "render"));
      }
      // THEN both write the same bytes: nothing computed under the partial fleet was reused
      const [cached, plain] = results as [Awaited<ReturnType<typeof clusterc>>, Awaited<ReturnType<typeof clusterc>>];
      assert.equal(cached.code, 0, cached.stderr);
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(cached.files, plain.files);
    } finally {
      await withRun.cleanup();
      await without.cleanup();
    }
  });
});
