import { readFile, rm, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { PLACEMENTS_NAME, type PlacementEntry } from "../../compiler/placement/record.js";
import { runCli, tidbSpec, type RenderedObject } from "../helpers.js";

/** Directories of each node: [path, capacity]. */
export type PoolShape = Record<string, [string, string][]>;

/** Replicas of the hostPath components of a TiDB cluster, and a field that has nothing to do with volumes. */
export interface ClusterShape {
  pd: number;
  /** TiKV replicas on the pool; without it, 3 replicas on a StorageClass. */
  tikv?: number;
  version?: string;
}

/** HostPathPool dc1, one directory per line, so a test can find the line a diagnostic points at. */
export function poolYaml(nodes: PoolShape): string {
  const lines = ["apiVersion: clusterc/v1", "kind: HostPathPool", "metadata: { name: dc1 }", "spec:", "  nodes:"];
  for (const [node, directories] of Object.entries(nodes)) {
    lines.push(`    - name: ${node}`, "      directories:");
    for (const [directory, capacity] of directories) lines.push(`        - { path: ${directory}, capacity: ${capacity} }`);
  }
  return lines.join("\n") + "\n";
}

/** 1-based line and column of a directory's entry in poolYaml's output. */
export function directoryLine(pool: string, node: string, directory: string): { line: number; col: number } {
  const lines = pool.split("\n");
  const nodeLine = lines.indexOf(`    - name: ${node}`);
  const line = lines.findIndex((l, i) => i > nodeLine && l.includes(`{ path: ${directory},`));
  return { line: line + 1, col: lines[line]!.indexOf("{") + 1 };
}

/** A TiDB cluster whose PD (10Gi) and TiKV (50Gi) volumes live on pool dc1. */
export function clusterYaml(name: string, shape: ClusterShape): string {
  const tikv = shape.tikv === undefined
    ? "{ replicas: 3, storage: { size: 50Gi, storageClassName: standard } }"
    : `{ replicas: ${shape.tikv}, storage: { size: 50Gi, hostPath: { pool: dc1 } } }`;
  return tidbSpec(name, `  version: ${shape.version ?? "v7.5.1"}
  pd: { replicas: ${shape.pd}, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv: ${tikv}
  rootPassword: { secretRef: { name: root, key: password } }
`);
}

/** Replaces clusters/ of the project with `files` (path under clusters/ -> content). */
export async function writeClusters(root: string, files: Record<string, string>): Promise<void> {
  await rm(path.join(root, "clusters"), { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, "clusters", file)), { recursive: true });
    await writeFile(path.join(root, "clusters", file), content);
  }
}

/** Runs a clusterc command in the project and returns what it printed with the rendered/ tree after it. */
export async function clusterc(root: string, ...args: string[]) {
  const result = await runCli(args, root);
  return { ...result, files: await readTree(path.join(root, "rendered")) };
}

export type Tree = ReadonlyMap<string, string>;

/** The entries of rendered/hostpath-placements.yaml; none when there is no such file. */
export function stateOf(files: Tree): PlacementEntry[] {
  const text = files.get(PLACEMENTS_NAME);
  return text === undefined ? [] : (parse(text) as { placements: PlacementEntry[] }).placements;
}

/** Every rendered PersistentVolume, keyed by its claim (namespace/name): its node and directory, and its file. */
export function volumesOf(files: Tree): Map<string, { node: string; path: string; file: string }> {
  const volumes = new Map<string, { node: string; path: string; file: string }>();
  for (const [file, text] of files) {
    if (!path.basename(file).startsWith("persistentvolume-")) continue;
    const pv = parse(text) as RenderedObject;
    const node = pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0] as string;
    volumes.set(`${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}`, { node, path: pv.spec.hostPath.path, file });
  }
  return volumes;
}

export function claimOf(entry: PlacementEntry): string {
  return `${entry.claim.namespace}/${entry.claim.name}`;
}

export async function readState(root: string): Promise<string> {
  return readFile(path.join(root, "rendered", PLACEMENTS_NAME), "utf8");
}
