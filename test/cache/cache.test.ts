import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { appendFile, cp, mkdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { CACHE_DIR } from "../../compiler/cache.js";
import { readTree } from "../../compiler/emit/scan.js";
import { gitOpsDoc, REPO_URL } from "../gitops/fixtures.js";
import { MINIMAL_TIDB_SPEC, REPO_ROOT, runCli, tempProject, THREE_NODE_POOL, tidbSpec } from "../helpers.js";

const MARK = "tampered-cache-entry";
const cacheFile = (root: string) => path.join(root, CACHE_DIR, "clusters.entries");

/**
 * Changes the entry under `key` of an entries file of the cache (one `JSON(key)<tab>JSON(entry)`
 * line each), keeping the file's modification time.
 */
async function editCacheEntry<T>(root: string, name: string, key: string, change: (entry: T) => void) {
  const file = path.join(root, CACHE_DIR, name);
  const { mtime } = await stat(file);
  const lines = (await readFile(file, "utf8")).split("\n").map((line) => {
    const tab = line.indexOf("\t");
    if (tab < 0 || JSON.parse(line.slice(0, tab)) !== key) return line;
    const entry = JSON.parse(line.slice(tab + 1)) as T;
    change(entry);
    return `${JSON.stringify(key)}\t${JSON.stringify(entry)}`;
  });
  await writeFile(file, lines.join("\n"));
  await utimes(file, mtime, mtime);
}
/** Both of beta's components on the pool: new placements come in allocation order, the state file's in directory order. */
const BETA_ON_POOL = tidbSpec("beta", MINIMAL_TIDB_SPEC.replace(/size: (\d+Gi) \}/g, "size: $1, hostPath: { pool: dc1 } }"));
const BASE_POLICY = "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: base }\nspec: { rules: { antiAffinity: required } }\n";

/** A rendered fleet of two clusters (one on a pool), one policy, and Argo CD and Flux objects for both. */
async function renderedFleet() {
  const project = await tempProject({
    "clusters/gitops.yaml": gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: {}\n  flux: {}\n`),
    "clusters/pool.yaml": THREE_NODE_POOL,
    "clusters/alpha.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC),
    "clusters/beta.yaml": BETA_ON_POOL,
    "policies/base.yaml": BASE_POLICY,
  });
  assert.equal((await runCli(["render"], project.root)).code, 0);
  return project;
}

/** Plants a warning in beta's cached findings: it shows exactly when beta's output is reused. */
async function tamperWithBeta(root: string) {
  await editCacheEntry<{ output: { findings: unknown[] } }>(root, "clusters.entries", "beta", (entry) => {
    entry.output.findings.push({ origin: { file: "clusters/beta.yaml", doc: 0, path: [] }, severity: "warning", ruleId: "images", message: MARK });
  });
}

async function fleetWithTamperedBeta() {
  const project = await renderedFleet();
  await tamperWithBeta(project.root);
  return project;
}

/** Whether a check now prints the planted warning, i.e. reused beta's cached output instead of compiling it. */
async function reusesBeta(root: string): Promise<boolean> {
  const { stderr } = await runCli(["check"], root);
  return stderr.includes(MARK);
}

async function edit(root: string, file: string, change: (text: string) => string) {
  const full = path.join(root, file);
  await writeFile(full, change(await readFile(full, "utf8")));
}

describe("the cluster cache", () => {
  it("reuses a cluster's output while none of its inputs changed, also when another cluster changed", async () => {
    const project = await fleetWithTamperedBeta();
    const untouched = await reusesBeta(project.root);
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("v7.5.1", "v7.5.2"));
    const afterOtherEdit = await reusesBeta(project.root);
    await project.cleanup();
    assert.equal(untouched, true);
    assert.equal(afterOtherEdit, true);
  });

  const invalidations: [string, (root: string) => Promise<void>][] = [
    ["its spec", (root) => edit(root, "clusters/beta.yaml", (t) => t.replace("v7.5.1", "v7.5.2"))],
    ["a comment in its spec file (lines can move)", (root) => edit(root, "clusters/beta.yaml", (t) => `# owner: payments\n${t}`)],
    ["its spec file moves to another folder (its output folder moves too)", async (root) => {
      await mkdir(path.join(root, "clusters/payments"));
      await rename(path.join(root, "clusters/beta.yaml"), path.join(root, "clusters/payments/beta.yaml"));
    }],
    ["a policy", (root) => edit(root, "policies/base.yaml", (t) => t.replace("required", "preferred"))],
    ["a pool", (root) => edit(root, "clusters/pool.yaml", (t) => t.replace("name: n3", "name: n3, zone: z3"))],
    ["a file of its output is edited by hand", (root) => edit(root, "rendered/beta/0-pd/service-beta-pd.yaml", (t) => t.replace("2379", "2378"))],
  ];
  for (const [what, change] of invalidations) {
    it(`compiles a cluster again when ${what}`, async () => {
      const project = await fleetWithTamperedBeta();
      await change(project.root);
      const reused = await reusesBeta(project.root);
      await project.cleanup();
      assert.equal(reused, false);
    });
  }

  it("survives a run that stops at an error in the specs", async () => {
    // GIVEN a cached fleet WHEN a typo stops a check before any cluster is compiled, then is fixed
    const project = await fleetWithTamperedBeta();
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("version:", "verison:"));
    const broken = await runCli(["check"], project.root);
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("verison:", "version:"));
    const reused = await reusesBeta(project.root);
    await project.cleanup();
    // THEN the entries of the untouched clusters are still there
    assert.equal(broken.code, 1);
    assert.equal(reused, true);
  });

  it("ignores what another build of the compiler, or the same build with other dependencies, wrote", async () => {
    // GIVEN clusterc installed as users run it (the bundled CLI, its launcher, the lockfile), and a fleet it rendered
    const install = await tempProject({});
    await cp(path.join(REPO_ROOT, "dist/cli"), path.join(install.root, "dist/cli"), { recursive: true });
    await cp(path.join(REPO_ROOT, "bin/clusterc.js"), path.join(install.root, "bin/clusterc.js"));
    await cp(path.join(REPO_ROOT, "package-lock.json"), path.join(install.root, "package-lock.json"));
    const project = await renderedFleet();
    const check = () => spawnSync(process.execPath, [path.join(install.root, "bin/clusterc.js"), "check", "--root", project.root], { encoding: "utf8" });
    assert.equal(check().status, 0);
    const reusesBetaOnCheck = async () => {
      await tamperWithBeta(project.root);
      const { status, stderr } = check();
      assert.equal(status, 0, stderr);
      return stderr.includes(MARK);
    };
    // WHEN it checks the fleet with its own caches, then after the build or the lockfile changed
    const reuses: Record<string, boolean> = {};
    reuses["same build"] = await reusesBetaOnCheck();
    await appendFile(path.join(install.root, "dist/cli/cli.js"), "\n// rebuilt\n");
    reuses["after a rebuild"] = await reusesBetaOnCheck();
    reuses["same build again"] = await reusesBetaOnCheck();
    await appendFile(path.join(install.root, "package-lock.json"), "\n");
    reuses["after a dependency change"] = await reusesBetaOnCheck();
    await Promise.all([install.cleanup(), project.cleanup()]);
    // THEN only the build that wrote a cache, with the dependencies it was written with, reuses it
    assert.deepEqual(reuses, { "same build": true, "after a rebuild": false, "same build again": true, "after a dependency change": false });
  });

  for (const file of ["clusters.entries", "sources.entries", "rendered.json"]) {
    it(`ignores a ${file} it cannot read`, async () => {
      const project = await renderedFleet();
      await mkdir(path.join(project.root, CACHE_DIR), { recursive: true });
      await writeFile(path.join(project.root, CACHE_DIR, file), "{ not json");
      const { code, stderr } = await runCli(["check"], project.root);
      await project.cleanup();
      assert.equal(code, 0, stderr);
    });
  }
});

describe("spec files the parse cache knows", () => {
  const TAMPERED_VERSION = "v9.9.9";

  /**
   * A rendered fleet whose parse cache says alpha.yaml asks for TAMPERED_VERSION, under a digest
   * no text has, and no cluster cache: a check shows that version exactly when it took alpha.yaml
   * from the cache without reading it.
   */
  async function fleetWithTamperedAlphaSource() {
    const project = await renderedFleet();
    // a whole second, which a test can restore exactly (`utimes` does not keep every nanosecond)
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
    await utimes(path.join(project.root, "clusters/alpha.yaml"), second, second);
    assert.equal((await runCli(["render"], project.root)).code, 0);
    await tamperWithAlphaSource(project.root);
    return project;
  }

  async function tamperWithAlphaSource(root: string) {
    await editCacheEntry<{ digest: string; documents: [number, null, { spec: { version: string } }][] }>(root, "sources.entries", "clusters/alpha.yaml", (entry) => {
      entry.digest = "tampered";
      entry.documents[0]![2].spec.version = TAMPERED_VERSION;
    });
    await rm(cacheFile(root));
  }

  async function readsAlphaUnread(root: string): Promise<boolean> {
    const { stdout } = await runCli(["check"], root);
    return stdout.includes(TAMPERED_VERSION);
  }

  it("takes a file that keeps its size, times and inode from the cache without reading it", async () => {
    const project = await fleetWithTamperedAlphaSource();
    const unread = await readsAlphaUnread(project.root);
    await project.cleanup();
    assert.equal(unread, true);
  });

  it("reads a file replaced since, even by text of the same size under its old modification time", async () => {
    // as `rsync -a` or `tar -x` of an older checkout would leave it
    const project = await fleetWithTamperedAlphaSource();
    const spec = path.join(project.root, "clusters/alpha.yaml");
    const { mtime } = await stat(spec);
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("v7.5.1", "v7.5.2"));
    await utimes(spec, mtime, mtime);
    const { stdout } = await runCli(["check"], project.root);
    await project.cleanup();
    assert.doesNotMatch(stdout, new RegExp(TAMPERED_VERSION));
    assert.match(stdout, /\+ +image: pingcap\/pd:v7\.5\.2/);
  });

  it("reads files as new as the cache file: they may have changed in the tick it was written", async () => {
    const project = await fleetWithTamperedAlphaSource();
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(project.root, CACHE_DIR, "sources.entries"), old, old);
    const unread = await readsAlphaUnread(project.root);
    await project.cleanup();
    assert.equal(unread, false);
  });

  it("reads a symbolic link every time: its own times say nothing of its target", async () => {
    const project = await fleetWithTamperedAlphaSource();
    await rename(path.join(project.root, "clusters/alpha.yaml"), path.join(project.root, "clusters/alpha.src"));
    await symlink("alpha.src", path.join(project.root, "clusters/alpha.yaml"));
    await runCli(["render"], project.root);
    await tamperWithAlphaSource(project.root);
    const unread = await readsAlphaUnread(project.root);
    await project.cleanup();
    assert.equal(unread, false);
  });
});

describe("findings with the caches of earlier runs", () => {
  const alpha = tidbSpec("alpha", MINIMAL_TIDB_SPEC);
  const findings: [string, string][] = [
    ["a secret-looking string in a spec that passes its schema",
      alpha.replace("metadata: { name: alpha }", "metadata: { name: alpha, labels: { token: ghp_16C7e42F292c6912E7710c838347Ae178B4a } }")],
    ["a schema error", `${alpha}  tidb: { replicas: 0 }\n`],
    ["a YAML syntax error", `${alpha}  tidb: { replicas: 1\n`],
  ];
  for (const [what, spec] of findings) {
    it(`reports ${what} on every run, not only the first`, async () => {
      const project = await tempProject({ "clusters/alpha.yaml": spec });
      const runs = [await runCli(["lint"], project.root), await runCli(["lint"], project.root), await runCli(["check"], project.root)];
      await project.cleanup();
      assert.equal(runs[0]!.code, 1);
      assert.match(runs[0]!.stdout, /clusters\/alpha\.yaml:\d+:\d+: error/);
      assert.deepEqual(runs[1], runs[0]);
      assert.equal(runs[2]!.code, 1);
      assert.equal(runs[2]!.stderr, runs[0]!.stdout.split("\n").filter((l) => / error /.test(l)).map((l) => l + "\n").join(""));
    });
  }
});

describe("a render with the caches of earlier runs", () => {
  // Each step changes the project; a render that reuses the caches must then write exactly what a
  // render of a copy without them writes, and say exactly the same.
  const steps: [string, (root: string) => Promise<void>][] = [
    ["edit a spec", (root) => edit(root, "clusters/alpha.yaml", (t) => t.replace("v7.5.1", "v7.5.2"))],
    ["scale a hostPath component down (released volumes warn at the pool file's lines)",
      (root) => edit(root, "clusters/beta.yaml", (t) => t.replace("pd: { replicas: 3", "pd: { replicas: 1"))],
    ["tighten a policy", (root) => edit(root, "policies/base.yaml", (t) => t.replace("antiAffinity: required", "antiAffinity: required, images: { forbidTags: [v7.5.2] }"))],
    ["relax it again", (root) => edit(root, "policies/base.yaml", (t) => t.replace(", images: { forbidTags: [v7.5.2] }", ""))],
    ["give the pool's nodes zones", (root) => edit(root, "clusters/pool.yaml", (t) => t.replace(/name: n(\d)/g, "name: n$1, zone: z$1"))],
    ["point Argo CD and Flux at another branch", (root) => edit(root, "clusters/gitops.yaml", (t) => t.replace("argocd: {}", "revision: release\n  argocd: {}"))],
    ["put a cluster in its own namespace (its Application and Kustomization follow)",
      (root) => edit(root, "clusters/alpha.yaml", (t) => t.replace("metadata: { name: alpha }", "metadata: { name: alpha, namespace: shop }"))],
    ["give a cluster a start-up stage more, which only its Flux Kustomizations show (an ExternalSecret applied first)",
      (root) => edit(root, "clusters/alpha.yaml", (t) => t.replace("secretRef: { name: root, key: password }", "externalSecret: { store: vault, remoteKey: db/alpha/root }"))],
    ["move a spec to another folder", async (root) => {
      await mkdir(path.join(root, "clusters/team"));
      await rename(path.join(root, "clusters/alpha.yaml"), path.join(root, "clusters/team/alpha.yaml"));
    }],
    ["add a cluster", (root) => writeFile(path.join(root, "clusters/gamma.yaml"), tidbSpec("gamma", MINIMAL_TIDB_SPEC))],
    ["add one the pool has no room for", (root) => writeFile(path.join(root, "clusters/delta.yaml"), BETA_ON_POOL.replace("name: beta", "name: delta"))],
    ["remove that one", (root) => rm(path.join(root, "clusters/delta.yaml"))],
    ["remove a cluster", (root) => rm(path.join(root, "clusters/gamma.yaml"))],
    ["edit a rendered file by hand", (root) => edit(root, "rendered/beta/0-pd/service-beta-pd.yaml", (t) => t.replace("2379", "2378"))],
    ["delete a rendered file", (root) => rm(path.join(root, "rendered/team/alpha/1-pd/service-alpha-pd.yaml"))],
    ["add a stray file to rendered/", (root) => writeFile(path.join(root, "rendered/beta/stray.yaml"), "kind: ConfigMap\n")],
    ["break a spec", (root) => edit(root, "clusters/beta.yaml", (t) => t.replace("version:", "verison:"))],
    ["fix it", (root) => edit(root, "clusters/beta.yaml", (t) => t.replace("verison:", "version:"))],
  ];

  it("writes and reports exactly what a render without them does, step after step", async () => {
    const warm = await renderedFleet();
    try {
      for (const [step, change] of steps) {
        await change(warm.root);
        const cold = await tempProject({});
        await cp(warm.root, cold.root, { recursive: true, filter: (source) => path.basename(source) !== CACHE_DIR });
        const [warmRun, coldRun] = [await runCli(["render"], warm.root), await runCli(["render"], cold.root)];
        const [warmTree, coldTree] = [readTree(path.join(warm.root, "rendered")), readTree(path.join(cold.root, "rendered"))];
        const [warmCheck, coldCheck] = [await runCli(["check"], warm.root), await runCli(["check"], cold.root)];
        await cold.cleanup();
        assert.deepEqual(warmRun, coldRun, step);
        assert.deepEqual(warmTree, coldTree, step);
        assert.deepEqual(warmCheck, coldCheck, step);
      }
    } finally {
      await warm.cleanup();
    }
  });
});

describe("the cluster cache and files next to a spec", () => {
  const VITESS = `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: beta }
spec:
  version: v19.0.4
  cells: [zone1]
  keyspaces:
    - name: commerce
      tablets: { replica: 2, storage: { size: 2Gi } }
      schema: { file: beta.sql }
      vschema: { file: beta-vschema.json }
`;
  async function vitessWithTamperedBeta() {
    const project = await tempProject({
      "clusters/beta.yaml": VITESS,
      "clusters/beta.sql": "CREATE TABLE IF NOT EXISTS product (sku VARBINARY(128), PRIMARY KEY (sku));\n",
      "clusters/beta-vschema.json": '{ "tables": { "product": {} } }\n',
    });
    assert.equal((await runCli(["render"], project.root)).code, 0);
    await tamperWithBeta(project.root);
    return project;
  }

  const cases: [string, (root: string) => Promise<void>, boolean][] = [
    ["nothing changed", async () => {}, true],
    ["only the schema file's times changed", async (root) => { await utimes(path.join(root, "clusters/beta.sql"), new Date(), new Date(2030, 0, 1)); }, true],
    ["its schema file changed", (root) => edit(root, "clusters/beta.sql", (t) => t.replace("sku VARBINARY(128),", "sku VARBINARY(128), price BIGINT,")), false],
    ["its VSchema file changed", (root) => edit(root, "clusters/beta-vschema.json", (t) => t.replace('"product": {}', '"product": {}, "customer": {}')), false],
  ];
  for (const [what, change, reused] of cases) {
    it(`${reused ? "reuses" : "compiles again"} a cluster's output when ${what}`, async () => {
      // GIVEN a rendered VitessCluster whose keyspace names a schema and a VSchema file, its cached output marked
      const project = await vitessWithTamperedBeta();
      // WHEN the files change (or do not) and check runs
      await change(project.root);
      const marked = await reusesBeta(project.root);
      const { code } = await runCli(["check"], project.root);
      await project.cleanup();
      // THEN the cached output is reused exactly while the files' text is the same, and a changed file makes rendered/ stale
      assert.equal(marked, reused);
      assert.equal(code, reused ? 0 : 1);
    });
  }
});

/** Runs git in `cwd` as a made-up author. */
function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, stdio: "ignore" });
}

describe("a cache restored into a fresh clone (CI's actions/cache: new inodes and times)", () => {
  /**
   * The rendered fleet (with clusters enough that the record of rendered/ is written) committed on
   * main, and checked in a fresh clone of main, as CI does before it saves the cache; that cache
   * tampered with so that reusing beta's output shows. Then a fresh clone of `branch` with that
   * cache copied in. `onBranch` may commit a pull request's change to the branch first.
   */
  async function restoredClone(onBranch?: (origin: string) => Promise<void>, branch = "main") {
    const origin = await renderedFleet();
    for (const name of ["gamma", "delta", "epsilon"]) await writeFile(path.join(origin.root, `clusters/${name}.yaml`), tidbSpec(name, MINIMAL_TIDB_SPEC));
    await writeFile(path.join(origin.root, ".gitignore"), `${CACHE_DIR}/\n`);
    assert.equal((await runCli(["render"], origin.root)).code, 0);
    git(origin.root, "init", "--quiet");
    git(origin.root, "add", ".");
    git(origin.root, "commit", "--quiet", "-m", "fleet");
    const clones = await tempProject({});
    git(clones.root, "clone", "--quiet", origin.root, "main");
    const main = path.join(clones.root, "main");
    assert.equal((await runCli(["check"], main)).code, 0);
    await tamperWithBeta(main);
    if (onBranch) {
      git(origin.root, "checkout", "--quiet", "-b", branch);
      await onBranch(origin.root);
      git(origin.root, "commit", "--quiet", "-a", "-m", "change");
    }
    git(clones.root, "clone", "--quiet", "--branch", branch, origin.root, "repo");
    const root = path.join(clones.root, "repo");
    await cp(path.join(main, CACHE_DIR), path.join(root, CACHE_DIR), { recursive: true });
    return { root, cleanup: () => Promise.all([origin.cleanup(), clones.cleanup()]) };
  }

  it("is reused: an unchanged cluster is not compiled again", async () => {
    const { root, cleanup } = await restoredClone();
    const { code, stderr } = await runCli(["check"], root);
    await cleanup();
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(MARK));
  });

  const changes: [string, (root: string) => Promise<void>][] = [
    ["a spec edited in the clone", (root) => edit(root, "clusters/beta.yaml", (t) => t.replace("v7.5.1", "v7.5.2"))],
    ["a rendered file edited in the clone", (root) => edit(root, "rendered/beta/0-pd/service-beta-pd.yaml", (t) => t.replace("2379", "2378"))],
  ];
  for (const [what, change] of changes) {
    it(`still sees ${what}: check fails`, async () => {
      const { root, cleanup } = await restoredClone();
      await change(root);
      const { code, stderr } = await runCli(["check"], root);
      await cleanup();
      assert.equal(code, 1);
      assert.match(stderr, /rendered\/ is stale: 0 missing, [1-9]\d* changed/);
    });
  }

  for (const [what, change] of changes) {
    it(`still sees ${what.replace("in the clone", "and committed on a pull request's branch")}: check fails`, async () => {
      const { root, cleanup } = await restoredClone(change, "pull-request");
      const { code, stderr } = await runCli(["check"], root);
      await cleanup();
      assert.equal(code, 1);
      assert.match(stderr, /rendered\/ is stale: 0 missing, [1-9]\d* changed/);
    });
  }
});
