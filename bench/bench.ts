// npm run bench -- [--clusters N] [--runs N] [--scaling]
// Renders a synthetic fleet with the real CLI in child processes and prints a Markdown table of
// medians: cold render, check on an up-to-date tree, render after a one-spec edit, check of a
// one-spec pull request in a fresh git clone without and with a restored cache, and the floor that
// JSON.stringify plus one new file per object sets on this machine. Progress goes to stderr.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { CACHE_DIR } from "../compiler/cache.js";
import { readTree } from "../compiler/emit/scan.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(REPO_ROOT, "bin", "clusterc.js");
const JSON_FLOOR = path.join(REPO_ROOT, "dist", "bench", "json-floor.js");

const FOLDERS = ["prod", "staging", "dev", "teams/payments"];
const POOL_NODES = 12;
const DIRECTORIES_PER_NODE = 16;
/** 30 clusters of 3 PD and 3 TiKV volumes each use 180 of a pool's 192 directories. */
const CLUSTERS_PER_POOL = 30;
const SCALING_SIZES = [100, 10_000];

/** About every VITESS_EVERY-th cluster of the fleet is a VitessCluster: two keyspaces, one sharded by count. */
const VITESS_EVERY = 10;

function vitessSpec(name: string, folder: string, i: number): string {
  return `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: ${name}, labels: { env: ${folder.split("/")[0]} } }
spec:
  version: v19.0.4
  cells: [zone1]
  keyspaces:
    - { name: commerce, tablets: { replica: 2, rdonly: 1, storage: { size: 10Gi, storageClassName: standard } } }
    - { name: customer, shards: ${1 + (i % 4)}, tablets: { replica: 3, storage: { size: 20Gi, storageClassName: fast-ssd } } }
`;
}


/** A MySQLCluster (one in six of the fleet): 8.0 and 8.4, on a StorageClass, some with their own replication Secret. */
function mysqlSpec(name: string, folder: string, i: number): string {
  const replication = i % 4 === 1 ? `\n  replicationPassword: { secretRef: { name: ${name}-repl, key: password } }` : "";
  return `apiVersion: clusterc/v1
kind: MySQLCluster
metadata: { name: ${name}, labels: { env: ${folder.split("/")[0]} } }
spec:
  version: "${i % 12 === 1 ? "8.4.3" : "8.0.36"}"
  replicas: 3
  storage: { size: 20Gi, storageClassName: standard }
  rootPassword: { secretRef: { name: ${name}-mysql, key: root-password } }${replication}
`;
}

/** An AntDBCluster (one in ten of the fleet) with standbys, on a StorageClass so the pools stay TiDB's. */
function antdbSpec(name: string, folder: string): string {
  return `apiVersion: clusterc/v1
kind: AntDBCluster
metadata: { name: ${name}, labels: { env: ${folder.split("/")[0]} } }
spec:
  image: asiainfo/antdb50:1.1
  gtm: { standby: true }
  datanodes: { replicas: 2, standby: true }
  storage: { size: 20Gi, storageClassName: standard }
`;
}

/** Writes `count` cluster specs (TiDBCluster, MySQLCluster for one in six, VitessCluster and AntDBCluster for about one in ten each), the pools they use, two policies and a GitOps document; returns the spec that edits touch. */
function writeFleet(root: string, count: number): string {
  const files = new Map<string, string>();
  let onPools = 0;
  for (let i = 0; i < count; i++) {
    const name = `db-${String(i).padStart(5, "0")}`;
    const folder = FOLDERS[i % FOLDERS.length]!;
    // Not on the MySQL clusters' places (i % 6 === 1, below), so the fleet keeps its MySQL share.
    if (i % VITESS_EVERY === VITESS_EVERY - 1 && i % 6 !== 1) {
      files.set(`clusters/${folder}/${name}.yaml`, vitessSpec(name, folder, i));
      continue;
    }
    // Even ordinals, so never the MySQL clusters' places (odd, i % 6 === 1) nor Vitess's (i % 10 === 9).
    if (i % 10 === 4) {
      files.set(`clusters/${folder}/${name}.yaml`, antdbSpec(name, folder));
      continue;
    }
    const pool = i % 3 === 0 ? `pool-${Math.floor(onPools++ / CLUSTERS_PER_POOL)}` : undefined;
    const storage = (size: string) =>
      pool ? `{ size: ${size}, hostPath: { pool: ${pool} } }` : `{ size: ${size}, storageClassName: ${i % 2 ? "standard" : "fast-ssd"} }`;
    const password = i % 5 === 0
      ? `{ externalSecret: { store: vault, remoteKey: databases/${name}/root } }`
      : `{ secretRef: { name: ${name}-root, key: password } }`;
    if (i % 6 === 1) {
      files.set(`clusters/${folder}/${name}.yaml`, mysqlSpec(name, folder, i));
      continue;
    }
    files.set(`clusters/${folder}/${name}.yaml`, `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: ${name}, labels: { env: ${folder.split("/")[0]} } }
spec:
  version: v7.5.1
  pd: { replicas: 3, storage: ${storage("10Gi")} }
  tikv:
    replicas: 3
    storage: ${storage("100Gi")}${i % 4 === 1 ? "\n    resources: { requests: { cpu: \"2\", memory: 8Gi } }" : ""}
  tidb: { replicas: ${1 + (i % 3)}, service: { type: ${["ClusterIP", "NodePort", "LoadBalancer"][i % 7 % 3]} } }
  rootPassword: ${password}
`);
  }
  for (let p = 0; p * CLUSTERS_PER_POOL < onPools; p++) {
    const nodes = Array.from({ length: POOL_NODES }, (_, n) => `    - name: pool-${p}-node-${n}
      zone: zone-${n % 3}
      directories:
${Array.from({ length: DIRECTORIES_PER_NODE }, (_, d) => `        - { path: /data/pv/disk${d}, capacity: 200Gi }`).join("\n")}`);
    files.set(`clusters/pools/pool-${p}.yaml`, `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: pool-${p} }
spec:
  nodes:
${nodes.join("\n")}
`);
  }
  files.set("clusters/gitops.yaml", `apiVersion: clusterc/v1
kind: GitOps
metadata: { name: databases }
spec:
  repoURL: https://git.example.com/platform/databases.git
  argocd: { namespace: argocd }
  flux: { namespace: flux-system }
`);
  files.set("policies/00-baseline.yaml", `apiVersion: clusterc/v1
kind: Policy
metadata: { name: baseline }
spec:
  rules:
    images: { allowedRegistries: [docker.io, quay.io] }
    resources: { min: { cpu: 100m, memory: 128Mi } }
`);
  files.set("policies/production.yaml", `apiVersion: clusterc/v1
kind: Policy
metadata: { name: production }
spec:
  selector: { matchLabels: { env: prod } }
  defaults:
    TiDBCluster:
      tikv: { requests: { cpu: "4", memory: 16Gi }, limits: { cpu: "8", memory: 32Gi } }
  rules:
    antiAffinity: required
    hostPath: { allowedPrefixes: [/data/] }
    resources: { maxLimitRequestRatio: 8 }
`);
  for (const [file, text] of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return path.join(root, "clusters", FOLDERS[0]!, "db-00000.yaml");
}

interface Run {
  seconds: number;
  peakRssMb: number;
}

const TIME = "/usr/bin/time";
/** Without GNU time, the CLI's own process reports its peak RSS (kilobytes) when it exits. */
const RSS_HOOK = `data:text/javascript,process.on("exit",()=>process.stderr.write("peak RSS "+process.resourceUsage().maxRSS+"\\n"))`;

/** Runs the CLI as a user would, in a new Node process, and measures wall time and peak RSS. */
function clusterc(args: string[]): Run {
  const node = [process.execPath, ...(existsSync(TIME) ? [] : ["--import", RSS_HOOK]), CLI, ...args];
  const command = existsSync(TIME) ? [TIME, "-v", ...node] : node;
  const start = performance.now();
  const child = spawnSync(command[0]!, command.slice(1), { encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`clusterc ${args.join(" ")} exited with ${child.status}:\n${child.stderr.slice(-4000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)|^peak RSS (\d+)$/m.exec(child.stderr);
  if (!rss) throw new Error(`no peak RSS in the output of clusterc ${args.join(" ")}`);
  return { seconds, peakRssMb: Number(rss[1] ?? rss[2]) / 1024 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function repeat(runs: number, label: string, run: (i: number) => Run): Run {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(run(i));
    const { seconds, peakRssMb } = results[i]!;
    process.stderr.write(`  ${label} ${i + 1}/${runs}: ${seconds.toFixed(2)} s${peakRssMb ? `, ${peakRssMb.toFixed(0)} MB` : ""}\n`);
  }
  return { seconds: median(results.map((r) => r.seconds)), peakRssMb: median(results.map((r) => r.peakRssMb)) };
}

interface Row {
  clusters: number;
  files: number;
  megabytes: number;
  cold: Run;
  check: Run;
  edit: Run;
  /** `check` of a pull request that edits one spec, in a fresh `git clone`: no cache. */
  clone: Run;
  /** The same with the cache a check of the base branch left, copied in as actions/cache restores it. */
  restored: Run;
  /** `diff --base origin/main --format markdown` of that pull request, in a fresh clone with the restored cache: the workflow's diff step. */
  diff: Run;
  floorSeconds: number;
}

/** Runs git in `cwd`, as an author the bench makes up; throws when it fails. */
function git(cwd: string, args: string[]): void {
  const child = spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`git ${args.join(" ")} exited with ${child.status}:\n${child.stderr}`);
}

/** A fresh clone of `branch` of the repository at `origin`, in a new folder under `parent`: new inodes and times, no cache. */
function freshClone(origin: string, branch: string, parent: string): string {
  const dir = path.join(parent, "clone");
  rmSync(dir, { recursive: true, force: true });
  git(parent, ["clone", "--quiet", "--branch", branch, origin, dir]);
  return dir;
}

async function measure(clusters: number, runs: number): Promise<Row> {
  const root = mkdtempSync(path.join(os.tmpdir(), "clusterc-bench-"));
  try {
    process.stderr.write(`${clusters} clusters in ${root}\n`);
    const edited = writeFleet(root, clusters);
    const rendered = path.join(root, "rendered");
    const render = ["render", "--root", root];

    const cold = repeat(runs, "cold render", () => {
      // cold: neither rendered/ nor the cluster cache of an earlier run
      rmSync(rendered, { recursive: true, force: true });
      rmSync(path.join(root, CACHE_DIR), { recursive: true, force: true });
      return clusterc(render);
    });
    const check = repeat(runs, "check", () => clusterc(["check", "--root", root]));
    const spec = readFileSync(edited, "utf8");
    const edit = repeat(runs, "render after one edit", (i) => {
      writeFileSync(edited, spec.replace("version: v7.5.1", `version: v7.5.${i % 2 ? 1 : 2}`));
      return clusterc(render);
    });
    writeFileSync(edited, spec);
    clusterc(render);

    // A repository whose main branch holds the fleet, and a pull request that edits one spec and
    // commits what render made of it. CI checks the pull request in a fresh clone.
    writeFileSync(path.join(root, ".gitignore"), `${CACHE_DIR}/\n.clusterc-journal/\n.clusterc.lock\n`);
    git(root, ["init", "--quiet"]);
    git(root, ["add", "clusters", "policies", "rendered", ".gitignore"]);
    git(root, ["commit", "--quiet", "-m", "fleet"]);
    git(root, ["checkout", "--quiet", "-b", "pull-request"]);
    writeFileSync(edited, spec.replace("version: v7.5.1", "version: v7.5.2"));
    clusterc(render);
    git(root, ["commit", "--quiet", "-a", "-m", "one spec"]);
    git(root, ["checkout", "--quiet", "main"]);
    const clones = mkdtempSync(path.join(os.tmpdir(), "clusterc-clones-"));
    try {
      const clone = repeat(runs, "check of a pull request in a fresh clone", () => clusterc(["check", "--root", freshClone(root, "pull-request", clones)]));
      // what the workflow saves: the cache of a check of main, itself in a fresh clone
      const base = freshClone(root, "main", clones);
      clusterc(["check", "--root", base]);
      const saved = path.join(clones, "saved-cache");
      cpSync(path.join(base, CACHE_DIR), saved, { recursive: true });
      const restored = repeat(runs, "the same with the restored cache", () => {
        const dir = freshClone(root, "pull-request", clones);
        cpSync(saved, path.join(dir, CACHE_DIR), { recursive: true });
        return clusterc(["check", "--root", dir]);
      });
      const diff = repeat(runs, "diff --base of the pull request, fresh clone, restored cache", () => {
        const dir = freshClone(root, "pull-request", clones);
        cpSync(saved, path.join(dir, CACHE_DIR), { recursive: true });
        return clusterc(["diff", "--base", "origin/main", "--format", "markdown", "--root", dir]);
      });

      const tree = readTree(rendered);
      const objects = path.join(root, "objects.json");
      writeFileSync(objects, JSON.stringify([...tree].map(([file, text]) => [file, parse(text)])));
      const floor = repeat(runs, "JSON floor", () => {
        const out = path.join(root, "floor");
        rmSync(out, { recursive: true, force: true });
        const child = spawnSync(process.execPath, [JSON_FLOOR, objects, out], { encoding: "utf8" });
        if (child.status !== 0) throw new Error(`json-floor exited with ${child.status}:\n${child.stderr}`);
        return { seconds: (JSON.parse(child.stdout) as { seconds: number }).seconds, peakRssMb: 0 };
      });
      const bytes = [...tree.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
      return { clusters, files: tree.size, megabytes: bytes / 1e6, cold, check, edit, clone, restored, diff, floorSeconds: floor.seconds };
    } finally {
      rmSync(clones, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The highest median peak RSS of any command. */
function peakRssMb(row: Row): number {
  return Math.max(row.cold.peakRssMb, row.check.peakRssMb, row.edit.peakRssMb, row.clone.peakRssMb, row.restored.peakRssMb, row.diff.peakRssMb);
}

function table(rows: readonly Row[]): string {
  const s = (seconds: number) => seconds.toFixed(2);
  const lines = [
    "| clusters | files (objects) | YAML MB | cold render s | JSON floor s | cold / floor | check s | render after 1 edit s | PR check, fresh clone s | with restored cache s | diff --base s | peak RSS MB (any command) | cold render µs per object |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.clusters} | ${r.files} | ${r.megabytes.toFixed(1)} | ${s(r.cold.seconds)} | ${s(r.floorSeconds)} | ${(r.cold.seconds / r.floorSeconds).toFixed(2)}x | ` +
      `${s(r.check.seconds)} | ${s(r.edit.seconds)} | ${s(r.clone.seconds)} | ${s(r.restored.seconds)} | ${s(r.diff.seconds)} | ${peakRssMb(r).toFixed(0)} | ${Math.round(1e6 * r.cold.seconds / r.files)} |`),
  ];
  return lines.join("\n");
}

/** The targets of issue 19, judged on the row of `clusters` and, for linearity, the largest row. */
function targets(rows: readonly Row[], clusters: number): string {
  const row = rows.find((r) => r.clusters === clusters)!;
  const largest = rows.at(-1)!;
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  const under = (run: Run, seconds: number) => `| ${run.seconds.toFixed(2)} s | ${verdict(run.seconds < seconds)} |`;
  const lines = [
    `| target (${clusters} clusters) | measured | |`,
    "|---|---:|---|",
    `| cold render within 1.0x the JSON floor | ${(row.cold.seconds / row.floorSeconds).toFixed(2)}x | ${verdict(row.cold.seconds <= row.floorSeconds)} |`,
    `| check on an up-to-date tree under 0.5 s ${under(row.check, 0.5)}`,
    `| render after a one-spec edit under 0.5 s ${under(row.edit, 0.5)}`,
    `| check of a one-spec pull request in a fresh clone under 1.5 s ${under(row.clone, 1.5)}`,
    `| the same with the restored cache under 0.7 s ${under(row.restored, 0.7)}`,
    `| \`diff --base\` of a one-spec pull request (fresh clone, restored cache) under 1.5 s ${under(row.diff, 1.5)}`,
    `| peak RSS under 256 MB | ${peakRssMb(row).toFixed(0)} MB | ${verdict(peakRssMb(row) < 256)} |`,
  ];
  if (largest.clusters > row.clusters) {
    // Linear: the time per object stays within 20% as the fleet grows.
    const growth = (largest.cold.seconds / largest.files) / (row.cold.seconds / row.files);
    lines.push(`| ${largest.clusters} clusters: cold render time per object within 1.2x the ${row.clusters}-cluster figure | ${growth.toFixed(2)}x | ${verdict(growth <= 1.2)} |`);
    lines.push(`| ${largest.clusters} clusters: peak RSS under 1 GB | ${peakRssMb(largest).toFixed(0)} MB | ${verdict(peakRssMb(largest) < 1024)} |`);
  }
  return lines.join("\n");
}

const { values } = parseArgs({
  options: {
    clusters: { type: "string", default: "1000" },
    runs: { type: "string", default: "5" },
    scaling: { type: "boolean", default: false },
  },
});
const clusters = Number(values.clusters);
const runs = Number(values.runs);
if (!Number.isInteger(clusters) || clusters < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new Error("usage: npm run bench -- [--clusters N] [--runs N] [--scaling]");
}
const sizes = values.scaling ? [...new Set([...SCALING_SIZES, clusters])].sort((a, b) => a - b) : [clusters];
const load = () => os.loadavg()[0]!.toFixed(1);
const loadBefore = load();
const rows: Row[] = [];
for (const size of sizes) rows.push(await measure(size, runs));
process.stdout.write(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? "unknown"}), ` +
  `load average ${loadBefore} before and ${load()} after, ${runs} runs each, medians\n\n`);
process.stdout.write(`${table(rows)}\n\n${targets(rows, clusters)}\n`);
