import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { EXAMPLE_FLEET, runCli, tempProject } from "../helpers.js";

/** A throw-away git repository: the example fleet rendered and committed as `base`. */
async function exampleRepository() {
  const project = await tempProject({ ".gitignore": ".clusterc-cache/\n" });
  for (const dir of ["clusters", "policies"]) await cp(path.join(EXAMPLE_FLEET, dir), path.join(project.root, dir), { recursive: true });
  const git = (...args: string[]) => {
    const result = spawnSync("git", args, { cwd: project.root, encoding: "utf8", env: { ...process.env, ...tempIndex } });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  let tempIndex: Record<string, string> = {};
  git("init", "-q", "-b", "main");
  git("config", "user.name", "clusterc tests");
  git("config", "user.email", "tests@clusterc.invalid");
  const { code, stderr } = await runCli(["render"], project.root);
  if (code !== 0) throw new Error(`the example fleet does not render: ${stderr}`);
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("tag", "base");
  /**
   * A commit on top of `base` with these files changed (null removes a file or folder), made through
   * a temporary index: neither the working tree nor the repository's index is touched.
   */
  const commitOnBase = (tag: string, files: Record<string, string | null>) => {
    tempIndex = { GIT_INDEX_FILE: path.join(project.root, ".git", `index-${tag}`) };
    try {
      git("read-tree", "base");
      for (const [file, content] of Object.entries(files)) {
        if (content === null) {
          git("rm", "-r", "-q", "--cached", file);
        } else {
          const blob = spawnSync("git", ["hash-object", "-w", "--stdin"], { cwd: project.root, input: content, encoding: "utf8" }).stdout.trim();
          git("update-index", "--add", "--cacheinfo", `100644,${blob},${file}`);
        }
      }
      const commit = git("commit-tree", git("write-tree"), "-p", "base", "-m", tag);
      git("tag", tag, commit);
    } finally {
      tempIndex = {};
    }
  };
  /** Puts clusters/ and policies/ back as `base` has them. */
  const restore = () => {
    git("checkout", "-q", "base", "--", "clusters", "policies");
    git("clean", "-q", "-fd", "--", "clusters", "policies");
  };
  return { ...project, git, commitOnBase, restore };
}

type Repository = Awaited<ReturnType<typeof exampleRepository>>;

interface JsonReport {
  base: { ref: string; commit: string; rendered?: string };
  clusters: { cluster: string; dir: string; change: string; counts: Record<string, number>; objects: { id: string; change: string; fields: { path: string; before?: string; after?: string }[]; patch: string }[]; warnings: { file: string; line: number; ruleId: string }[] }[];
  fleet: { objects: { id: string }[] } | null;
}

describe("clusterc diff --base", () => {
  let repo: Repository;
  before(async () => {
    repo = await exampleRepository();
  });
  after(async () => {
    await repo.cleanup();
  });

  const edit = async (file: string, from: string | RegExp, to: string) => {
    const absolute = path.join(repo.root, file);
    const text = await readFile(absolute, "utf8");
    const edited = text.replace(from, to);
    assert.notEqual(edited, text, `${file} holds no ${from}`);
    await writeFile(absolute, edited);
  };
  const diff = async (...args: string[]) => {
    try {
      return await runCli(["diff", ...args], repo.root);
    } finally {
      repo.restore();
    }
  };
  const diffJson = async (...args: string[]) => {
    const result = await diff("--format", "json", ...args);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as JsonReport;
  };

  it("shows a scaled replica count as a field change of that cluster alone, and leaves the working tree as it was", async () => {
    // GIVEN the committed fleet, and orders scaled from 3 to 5 members in the working tree
    const rendered = await readTree(path.join(repo.root, "rendered"));
    await edit("clusters/shop/orders.yaml", "replicas: 3", "replicas: 5");
    // WHEN diff runs against the base commit
    const result = await runCli(["diff", "--base", "base"], repo.root);
    const status = repo.git("status", "--porcelain");
    repo.restore();
    // THEN it exits 0 and shows the StatefulSet's replicas, under orders only
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^cluster orders \(rendered\/shop\/orders\/\): changed: 0 added, 0 removed, 1 changed/m);
    assert.match(result.stdout, /^ {2}~ StatefulSet shop\/orders-mysql\n {6}spec\.replicas: 3 -> 5$/m);
    assert.match(result.stdout, /^-  replicas: 3\n\+  replicas: 5$/m);
    assert.doesNotMatch(result.stdout, /^cluster (endgame|reports|commerce|adb) /m);
    // AND nothing but the spec the test edited changed in the working tree: rendered/ is as it was
    assert.equal(status, "M clusters/shop/orders.yaml");
    assert.deepEqual(await readTree(path.join(repo.root, "rendered")), rendered);
  });

  it("exits 0 with no changes listed when the specs render what the base holds", async () => {
    const result = await diff("--base", "base");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^no changes against base \([0-9a-f]{12}\)$/m);
  });

  it("lists a new cluster as added, with every object it renders", async () => {
    // GIVEN a second MySQL cluster in the working tree
    const orders = await readFile(path.join(repo.root, "clusters/shop/orders.yaml"), "utf8");
    await writeFile(path.join(repo.root, "clusters/shop/billing.yaml"), orders.replace(/name: orders/, "name: billing"));
    // WHEN diff runs
    const report = await diffJson("--base", "base");
    // THEN billing is an added cluster whose objects are all added, the StatefulSet among them
    const billing = report.clusters.find((c) => c.cluster === "billing");
    assert.equal(billing?.change, "added");
    assert.equal(billing.dir, "shop/billing");
    assert.ok(billing.objects.every((o) => o.change === "added"));
    assert.ok(billing.objects.some((o) => o.id === "StatefulSet/shop/billing-mysql"));
    assert.equal(billing.counts.added, billing.objects.length);
    assert.deepEqual(report.clusters.map((c) => c.cluster), ["billing"]);
  });

  it("lists a removed cluster as removed, named by its folder", async () => {
    // GIVEN the Vitess cluster's spec deleted
    await rm(path.join(repo.root, "clusters/staging/commerce.yaml"));
    // WHEN diff runs
    const report = await diffJson("--base", "base");
    // THEN commerce is removed with every object it had, and its Argo CD Application goes with the fleet-wide files
    const commerce = report.clusters.find((c) => c.cluster === "commerce");
    assert.equal(commerce?.change, "removed");
    assert.equal(commerce.dir, "staging/commerce");
    assert.ok(commerce.objects.length > 5 && commerce.objects.every((o) => o.change === "removed"));
    assert.ok(report.fleet?.objects.some((o) => o.id.startsWith("Application/") && o.id.endsWith("/commerce")));
  });

  it("shows a volume-size change at the claim template, by its name", async () => {
    await edit("clusters/shop/orders.yaml", "size: 10Gi", "size: 20Gi");
    const result = await diff("--base", "base");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {6}spec\.volumeClaimTemplates\[name=data\]\.spec\.resources\.requests\.storage: 10Gi -> 20Gi$/m);
  });

  it("shows a TiKV scale-down as the StatefulSet's replicas", async () => {
    await edit("clusters/prod/endgame.yaml", "tikv: { replicas: 3", "tikv: { replicas: 2");
    const result = await diff("--base", "base");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}~ StatefulSet endgame\/endgame-tikv\n(?: {6}.*\n)* {6}spec\.replicas: 3 -> 2$/m);
    // AND the planner's warning stands next to the cluster's changes, at the spec line, with the removal procedure
    assert.match(result.stdout, /^ {2}! clusters\/prod\/endgame\.yaml:\d+:\d+ warning \[scale-down\] .*pd-ctl/m);
  });

  it("shows a version downgrade in every image it changes", async () => {
    await edit("clusters/prod/endgame.yaml", "version: v7.5.1", "version: v7.1.0");
    const report = await diffJson("--base", "base");
    const endgame = report.clusters.find((c) => c.cluster === "endgame")!;
    const fields = endgame.objects.flatMap((o) => o.fields.map((f) => `${o.id} ${f.path}: ${f.before} -> ${f.after}`));
    for (const component of ["pd", "tikv", "tidb"]) {
      assert.ok(fields.some((f) => f.includes(`containers[name=${component}].image: pingcap/${component}:v7.5.1 -> pingcap/${component}:v7.1.0`)), `${component}: ${fields.join("\n")}`);
    }    // AND the planner warns at the version line that TiDB cannot be downgraded in place
    const warnings = endgame.warnings.map((w) => `${w.file}:${w.line} ${w.ruleId}`);
    assert.ok(warnings.some((w) => /^clusters\/prod\/endgame\.yaml:\d+ version-downgrade$/.test(w)), warnings.join("\n"));
  });

  it("shows a changed Secret reference, and masks every secret value the base holds", async () => {
    // GIVEN a base that committed a Secret with values and a token in a container's environment (as a hand edit might)
    const statefulSet = "rendered/shop/orders/1-mysql/statefulset-orders-mysql.yaml";
    const token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
    const committed = await readFile(path.join(repo.root, statefulSet), "utf8");
    const leaky = committed.replace(/^( +)env:\n/m, (line, indent: string) => `${line}${indent}  - name: API_TOKEN\n${indent}    value: ${token}\n`);
    assert.notEqual(leaky, committed);
    repo.commitOnBase("leaky", {
      [statefulSet]: leaky,
      "rendered/shop/orders/1-mysql/secret-orders-root.yaml":
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders-root\n  namespace: shop\ndata:\n  password: aHVudGVyMg==\nstringData:\n  note: |\n    correct horse battery staple\n",
    });
    // AND the working tree's spec naming another Secret
    await edit("clusters/shop/orders.yaml", "secretRef: { name: orders-mysql,", "secretRef: { name: orders-root,");
    // WHEN diff runs, in every format
    const outputs = await Promise.all(["text", "markdown", "json"].map(async (format) => (await diff("--base", "leaky", "--format", format)).stdout));
    // THEN the reference's name shows, unmasked: it is no secret
    assert.match(outputs[0]!, /secretKeyRef\.name: orders-mysql -> orders-root/);
    // AND the values are masked in field changes and unified diffs, and never printed
    assert.match(outputs[0]!, /env\[name=API_TOKEN\]: \{"name":"API_TOKEN","value":"\*\*\* \(before\)"\} -> \(none\)/);
    assert.match(outputs[0]!, /^ {2}- Secret shop\/orders-root$/m);
    assert.match(outputs[0]!, /^- {2}password: \*\*\* \(before\)$/m);
    for (const output of outputs) {
      for (const secret of [token, "aHVudGVyMg==", "correct horse"]) assert.ok(!output.includes(secret), `${secret} printed`);
    }
  });

  it("lists an object whose file changed in text alone as changed, without fields", async () => {
    // GIVEN a base whose Service file carries a comment the compiler does not write
    const service = "rendered/shop/orders/0-setup/service-orders-mysql.yaml";
    repo.commitOnBase("commented", { [service]: "# edited by hand\n" + await readFile(path.join(repo.root, service), "utf8") });
    // WHEN diff runs against it
    const result = await diff("--base", "commented");
    // THEN the Service is one changed object with no field changes, and the unified diff shows the comment go
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}~ Service shop\/orders-mysql\n\n/m);
    assert.match(result.stdout, /^-# edited by hand$/m);
  });

  it("renders the base's specs when the base has no rendered/, and says so", async () => {
    // GIVEN a base commit of specs alone
    repo.commitOnBase("specs-only", { rendered: null });
    await edit("clusters/shop/orders.yaml", "replicas: 3", "replicas: 4");
    // WHEN diff runs against it
    const report = await diff("--base", "specs-only");
    // THEN it says it rendered the base, and shows the one change, not every file as new
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /^rendered\/ at specs-only is missing: rendered the base's specs$/m);
    assert.match(report.stdout, /^ {6}spec\.replicas: 3 -> 4$/m);
    assert.doesNotMatch(report.stdout, /^cluster (endgame|reports|commerce|adb) /m);
  });

  it("renders the base's specs when its rendered/ lacks a cluster they define", async () => {
    // GIVEN a base that added a cluster's spec without rendering it, which the working tree does not have
    const orders = await readFile(path.join(repo.root, "clusters/shop/orders.yaml"), "utf8");
    repo.commitOnBase("unrendered", { "clusters/shop/late.yaml": orders.replace(/name: orders/, "name: late") });
    // WHEN diff runs against it
    const result = await diff("--base", "unrendered", "--format", "json");
    // THEN the base is rendered, so the working tree removes late (a committed rendered/ would not know it)
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^rendered\/ at unrendered lacks a cluster its specs define: rendered the base's specs$/m);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.base.rendered, "stale");
    assert.deepEqual(report.clusters.map((c) => [c.cluster, c.change]), [["late", "removed"]]);
  });

  it("compares with the committed rendered/ when the base's specs cannot be rendered, and says so", async () => {
    // GIVEN a base without rendered/ whose spec has an error
    const orders = await readFile(path.join(repo.root, "clusters/shop/orders.yaml"), "utf8");
    repo.commitOnBase("broken", { rendered: null, "clusters/shop/orders.yaml": orders.replace("replicas: 3", "replicas: three") });
    // WHEN diff runs against it
    const result = await diff("--base", "broken", "--format", "json");
    // THEN it says why, and every file the working tree renders is new
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^rendered\/ at broken is missing, and the base's specs have errors: compared with its committed rendered\/ as it is$/m);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.ok(report.clusters.length === 5 && report.clusters.every((c) => c.change === "added"));
  });

  it("keeps a markdown report of a large change under 65,000 characters, saying what it cut", async () => {
    // GIVEN twelve new MySQL clusters: far more unified diff than one comment holds
    const orders = await readFile(path.join(repo.root, "clusters/shop/orders.yaml"), "utf8");
    const names = Array.from({ length: 12 }, (_, i) => `bulk${i}`);
    for (const name of names) await writeFile(path.join(repo.root, `clusters/shop/${name}.yaml`), orders.replace(/name: orders/, `name: ${name}`));
    // WHEN diff prints text and markdown
    const text = await runCli(["diff", "--base", "base"], repo.root);
    const markdown = await diff("--base", "base", "--format", "markdown");
    // THEN the text has it all (well over the limit), the markdown fits a comment and lists every cluster
    assert.ok(text.stdout.length > 65_000, `text is ${text.stdout.length} characters`);
    assert.equal(markdown.code, 0);
    assert.ok(markdown.stdout.length < 65_000, `markdown is ${markdown.stdout.length} characters`);
    assert.ok(markdown.stdout.startsWith("<!-- clusterc-diff -->\n"));
    for (const name of names) assert.match(markdown.stdout, new RegExp(`^### \`${name}\``, "m"));
    assert.match(markdown.stdout, /summarised to fit a pull-request comment: unified diffs(, [a-z ]+)* are cut\. Run `clusterc diff --base base` locally to see all/);
  });

  it("prints the specs' errors as check does, and no diff, with exit 1", async () => {
    await edit("clusters/shop/orders.yaml", "replicas: 3", "replicas: three");
    const result = await diff("--base", "base");
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^clusters\/shop\/orders\.yaml:8:\d+: error /m);
  });

  it("is a usage error, naming what to fix, for an unknown ref, a missing --base, an unknown format or a directory outside git", async () => {
    const unknown = await diff("--base", "no-such-branch");
    const missing = await diff();
    const format = await diff("--base", "base", "--format", "yaml");
    const outside = await tempProject({ "clusters/.keep": "" });
    const notGit = await runCli(["diff", "--base", "main"], outside.root);
    await outside.cleanup();
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--base no-such-branch: no such commit in this repository; name a branch, tag or commit/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /diff needs --base REF/);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format must be text, markdown or json, not yaml/);
    assert.equal(notGit.code, 2);
    assert.match(notGit.stderr, /is not in a git repository/);
  });
});
