import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, rm, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { THREE_NODE_POOL as POOL, MINIMAL_TIDB_SPEC, REPO_ROOT, runCli, tempProject, tidbSpec } from "../helpers.js";

const ON_POOL = MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi, hostPath: { pool: dc1 } }");

describe("clusterc render and check", () => {
  it("renders rendered/<spec dir>/<cluster>/ with one object per file and a kustomization.yaml", async () => {
    const project = await tempProject({ "clusters/prod/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) });
    const { code } = await runCli(["render"], project.root);
    const files = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    assert.equal(code, 0);
    // (and the fleet-wide record of what this render made of each cluster)
    assert.ok([...files.keys()].every((f) => f.startsWith("prod/orders/") || f === "cluster-state.yaml"));
    assert.ok(files.has("prod/orders/0-pd/statefulset-orders-pd.yaml"));
    // AND the cluster's kustomization.yaml lists its stage folders, whose kustomization.yaml files list every object file once
    const listed = (dir: string) => (files.get(`${dir}/kustomization.yaml`)!.match(/^ *- (\S+)$/gm) ?? []).map((l) => `${dir}/${l.trim().slice(2)}`);
    const objectFiles = listed("prod/orders").flatMap(listed).sort();
    assert.deepEqual(objectFiles, [...files.keys()].filter((f) => !f.endsWith("kustomization.yaml") && f !== "cluster-state.yaml").sort());
  });

  it("check passes on fresh output, then fails with a unified diff after a spec edit", async () => {
    const project = await tempProject({ "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) });
    await runCli(["render"], project.root);
    const fresh = await runCli(["check"], project.root);
    await writeFile(path.join(project.root, "clusters/orders.yaml"), tidbSpec("orders", MINIMAL_TIDB_SPEC.replace("version: v7.5.1", "version: v7.5.2")));
    const stale = await runCli(["check"], project.root);
    await project.cleanup();
    assert.equal(fresh.code, 0);
    assert.equal(fresh.stdout, "");
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /^--- a\/rendered\/orders\/0-pd\/statefulset-orders-pd\.yaml$/m);
    assert.match(stale.stdout, /^-\s+image: pingcap\/pd:v7\.5\.1$/m);
    assert.match(stale.stdout, /^\+\s+image: pingcap\/pd:v7\.5\.2$/m);
    assert.match(stale.stderr, /changed: rendered\/orders\/0-pd\/statefulset-orders-pd\.yaml/);
    assert.match(stale.stderr, /node bin\/clusterc\.js render/);
  });

  it("check names missing and extra files; render removes what no spec produces", async () => {
    const project = await tempProject({ "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) });
    await runCli(["render"], project.root);
    await mkdir(path.join(project.root, "rendered/old"), { recursive: true });
    await writeFile(path.join(project.root, "rendered/old/service-gone.yaml"), "kind: Service\n");
    await rm(path.join(project.root, "rendered/orders/0-pd/service-orders-pd.yaml"));
    const stale = await runCli(["check"], project.root);
    const rendered = await runCli(["render"], project.root);
    const files = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /missing: rendered\/orders\/0-pd\/service-orders-pd\.yaml/);
    assert.match(stale.stderr, /extra: +rendered\/old\/service-gone\.yaml/);
    // AND the summary calls those files what the list calls them: one name for one thing
    assert.match(stale.stderr, /is stale: 1 missing, 0 changed, 1 extra \(no spec produces them\)$/m);
    assert.doesNotMatch(stale.stderr, /no longer produced/);
    assert.equal(rendered.code, 0);
    assert.ok(files.has("orders/0-pd/service-orders-pd.yaml"));
    assert.ok(![...files.keys()].some((f) => f.startsWith("old/")));
  });

  it("--only re-renders the named clusters and leaves the rest of rendered/ as it is", async () => {
    const project = await tempProject({
      "clusters/a.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC),
      "clusters/b.yaml": tidbSpec("beta", MINIMAL_TIDB_SPEC),
    });
    await runCli(["render"], project.root);
    for (const name of ["a", "b"]) {
      const file = path.join(project.root, `clusters/${name}.yaml`);
      await writeFile(file, (await readFile(file, "utf8")).replace("v7.5.1", "v7.5.2"));
    }
    const { code } = await runCli(["render", "--only", "beta"], project.root);
    const files = await readTree(path.join(project.root, "rendered"));
    const unknown = await runCli(["render", "--only", "gamma"], project.root);
    await project.cleanup();
    assert.equal(code, 0);
    assert.match(files.get("alpha/0-pd/statefulset-alpha-pd.yaml")!, /pd:v7\.5\.1/);
    assert.match(files.get("beta/0-pd/statefulset-beta-pd.yaml")!, /pd:v7\.5\.2/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no cluster named gamma/);
  });

  it("--only still refreshes the fleet-wide files: the hostPath state of a cluster it places", async () => {
    // GIVEN a rendered fleet, then a new cluster on a hostPath pool
    const project = await tempProject({ "clusters/pool.yaml": POOL, "clusters/a.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC) });
    await runCli(["render"], project.root);
    await writeFile(path.join(project.root, "clusters/b.yaml"), tidbSpec("beta", ON_POOL));
    // WHEN only the new cluster is rendered
    const { code } = await runCli(["render", "--only", "beta"], project.root);
    const check = await runCli(["check"], project.root);
    await project.cleanup();
    // THEN its placements are recorded and the whole tree is current
    assert.equal(code, 0);
    assert.equal(check.code, 0, check.stdout);
  });

  it("is byte-for-byte deterministic, whatever the file names and document order", async () => {
    const pool = POOL;
    const alpha = tidbSpec("alpha", ON_POOL);
    const beta = tidbSpec("beta", MINIMAL_TIDB_SPEC);
    // GIVEN the same fleet laid out two ways: one file with pool last vs. separate files with pool first
    const one = await tempProject({ "clusters/all.yaml": [beta, alpha, pool].join("---\n") });
    const two = await tempProject({ "clusters/0-pool.yaml": pool, "clusters/z-alpha.yaml": alpha, "clusters/a-beta.yaml": beta });
    // WHEN both are rendered (the first twice)
    for (const p of [one, two, one]) assert.equal((await runCli(["render"], p.root)).code, 0);
    const first = await readTree(path.join(one.root, "rendered"));
    const second = await readTree(path.join(two.root, "rendered"));
    await Promise.all([one.cleanup(), two.cleanup()]);
    // THEN the trees are identical
    assert.deepEqual(second, first);
    assert.ok(first.size > 20);
  });

  it("renders and reports the same under any locale: a Danish machine sorts \"aa\" after \"z\"", async () => {
    // GIVEN two new clusters on one pool, delivered by Argo CD, and a copy of the fleet with an error in each spec
    const onePerNode = ON_POOL.replace("pd: { replicas: 3", "pd: { replicas: 1").replace("tikv: { replicas: 3", "tikv: { replicas: 1");
    const fleet = {
      "clusters/pool.yaml": POOL,
      "clusters/aardvark.yaml": tidbSpec("aardvark", onePerNode),
      "clusters/zebra.yaml": tidbSpec("zebra", onePerNode),
      "clusters/gitops.yaml": "apiVersion: clusterc/v1\nkind: GitOps\nmetadata: { name: db }\nspec: { repoURL: https://git.example.com/db.git, argocd: {} }\n",
    };
    const broken = Object.fromEntries(Object.entries(fleet).map(([file, text]) => [file, text.replace("version:", "verison:")]));
    const inLocale = async (locale: string) => {
      const [project, errors] = [await tempProject(fleet), await tempProject(broken)];
      const env = { ...process.env, LANG: locale, LC_ALL: locale };
      const cli = (root: string, command: string) => spawnSync(process.execPath, [path.join(REPO_ROOT, "bin/clusterc.js"), command], { cwd: root, env, encoding: "utf8" });
      // WHEN each is rendered, and linted, in a process of that locale
      const render = cli(project.root, "render");
      const lint = cli(errors.root, "lint");
      const tree = readTree(path.join(project.root, "rendered"));
      await Promise.all([project.cleanup(), errors.cleanup()]);
      return { render: render.status, tree, lint: lint.stdout };
    };
    const english = await inLocale("en_US.UTF-8");
    const danish = await inLocale("da_DK.UTF-8");
    // THEN the rendered trees (Argo CD's list, the volumes' placement) and the order of findings are the same
    assert.equal(english.render, 0);
    assert.deepEqual(danish.tree, english.tree);
    assert.match(english.lint, /aardvark\.yaml[^]*zebra\.yaml/);
    assert.equal(danish.lint, english.lint);
  });

  it("exits 2 on usage errors", async () => {
    const project = await tempProject({});
    const results = await Promise.all([["frobnicate"], ["render", "--bogus"], ["lint", "--format", "xml"], []].map((args) => runCli(args, project.root)));
    await project.cleanup();
    for (const r of results) assert.equal(r.code, 2);
  });

  it("lint prints located diagnostics as text, JSON or GitHub annotations, and writes nothing", async () => {
    const project = await tempProject({ "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC.replace("replicas: 3, storage: { size: 10Gi }", "replicas: 0, storage: { size: 10Gi }")) });
    const text = await runCli(["lint"], project.root);
    const json = await runCli(["lint", "--format", "json"], project.root);
    const github = await runCli(["lint", "--format", "github"], project.root);
    const rendered = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^clusters\/orders\.yaml:6:9: error schema-value spec\.pd\.replicas: must be at least 1$/m);
    assert.deepEqual(JSON.parse(json.stdout).map((d: { ruleId: string; line: number }) => [d.ruleId, d.line]), [["schema-value", 6]]);
    assert.match(github.stdout, /^::error file=clusters\/orders\.yaml,line=6,col=9,title=schema-value::/);
    assert.equal(rendered.size, 0);
  });
});

describe("outside a clusterc project", () => {
  for (const command of [["render"], ["check"], ["lint"], ["pools"], ["explain", "orders"], ["release", "--pool", "dc1", "--node", "n1", "--path", "/data/a"]]) {
    it(`${command[0]} is a usage error that says how to fix it, and writes nothing`, async () => {
      // GIVEN a directory without clusters/ (a mistyped --root, a CI step in the wrong folder)
      const project = await tempProject({ "README.md": "not a fleet\n" });
      const { code, stderr } = await runCli([...command, "--root", project.root], REPO_ROOT);
      const files = await readTree(project.root);
      await project.cleanup();
      // THEN it exits 2, never "up to date", and leaves the directory as it was (no cache, no rendered/)
      assert.equal(code, 2);
      assert.match(stderr, /is not a clusterc project: it has no clusters\/ folder; run from the repository's top, or pass --root DIR/);
      assert.deepEqual([...files.keys()], ["README.md"]);
    });
  }
});

describe("small things a CLI user expects", () => {
  it("--version prints the version package.json gives", async () => {
    const { code, stdout } = await runCli(["--version"], REPO_ROOT);
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(code, 0);
    assert.equal(stdout, `clusterc ${version}\n`);
  });

  // Each command's own options, as its parser accepts them: the help must not leave one out.
  const OPTIONS: Record<string, string[]> = {
    render: ["--root", "--only"], check: ["--root"], lint: ["--root", "--format"],
    release: ["--pool", "--node", "--path", "--root"], explain: ["--root"], pools: ["--root", "--format"],
  };
  for (const [command, options] of Object.entries(OPTIONS)) {
    it(`${command} --help prints that command's usage and options and exits 0, even outside a project`, async () => {
      // GIVEN a directory that is no clusterc project
      const project = await tempProject({});
      // WHEN a user asks a command for help
      const { code, stdout, stderr } = await runCli([command, "--help"], project.root);
      const short = await runCli([command, "-h"], project.root);
      await project.cleanup();
      // THEN it prints the command's usage line and every option it takes, nothing else's, and exits 0
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^usage: clusterc ${command} `));
      for (const option of options) assert.match(stdout, new RegExp(`^  ${option} `, "m"));
      assert.deepEqual(stdout.match(/^  --\S+/gm)!.map((o) => o.trim()).sort(), [...options, "--help"].sort());
      assert.equal(short.stdout, stdout);
    });
  }

  it("lint says so when it has nothing to report, instead of printing nothing", async () => {
    const project = await tempProject({ "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) });
    const { code, stdout, stderr } = await runCli(["lint"], project.root);
    await project.cleanup();
    assert.equal(code, 0);
    assert.equal(stdout, "");
    assert.equal(stderr, "no findings\n");
  });
});
