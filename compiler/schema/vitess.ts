import { z } from "zod";
import { clusterDocument, dnsLabel, fileReference, type FieldFile, helpers, matching, networkPeer, replicas, resources, secretSource, storage } from "./common.js";
import { shardList, shardRangeIssues, shardSlug } from "./key-ranges.js";
import { tabletUidBase } from "./tablet-uids.js";

/**
 * The Vitess releases clusterc knows the flags and images of (compiler/engines/vitess/versions.ts
 * holds what each needs); any other is an error at the version line.
 */
export const VITESS_RELEASE = /^v(19|20)\.0\.\d+$/;

/** The tablet types clusterc runs, each in its own StatefulSet per shard. */
export const TABLET_TYPES = ["replica", "rdonly"] as const;

const resourcesOnly = (what: string) => z.strictObject({ resources: resources.optional().describe(`Overrides the built-in ${what} resources`) });

const tablets = z.strictObject({
  replica: z.number().int().min(1).max(9).default(2).describe("replica tablets per shard: the primary and its candidates"),
  rdonly: z.number().int().min(0).max(9).default(0).describe("rdonly tablets per shard: batch and analytics reads, never primary"),
  cell: dnsLabel.optional().describe("Cell the shard's tablets run in (default: the first of spec.cells)"),
  storage: storage.describe("Each tablet's MySQL data volume"),
});

const keyspace = z.strictObject({
  name: dnsLabel.describe("Keyspace name: the database name clients use through vtgate"),
  shards: z.union([
    z.array(z.string()).min(1).describe("Shard key ranges in hex, sorted, e.g. [\"-80\", \"80-\"]; [\"0\"] for an unsharded keyspace"),
    z.number().int().min(1).max(64).describe("A count that clusterc splits the key space into evenly"),
  ]).default(["0"]).describe("Shard key ranges in hex, sorted, e.g. [\"-80\", \"80-\"], or a count that clusterc splits evenly (default [\"0\"]: unsharded)"),
  durability: z.enum(["semi_sync", "none"]).optional()
    .describe("Keyspace durability policy: semi_sync (default with 2 or more replica tablets) or none (default with 1)"),
  tablets: tablets.describe("Tablets of every shard, by type"),
  schema: z.union([z.string().min(1), fileReference]).optional()
    .describe("SQL DDL the schema Job applies to the keyspace on every sync (ApplySchema), inline or { file: PATH } next to the spec: write statements that can run again, e.g. CREATE TABLE IF NOT EXISTS"),
  vschema: z.record(z.string(), z.unknown()).superRefine(vschemaFileReference).optional()
    .describe("The keyspace's VSchema (tables, vindexes), written as YAML, or { file: PATH } of a JSON (or YAML) file next to the spec; the schema Job applies it on every sync (ApplyVSchema)"),
});

/**
 * A VSchema map holding `file` is a reference to a VSchema file (no VSchema has a top-level `file`):
 * it must then be `{ file }` alone, with a path `fileReference` accepts.
 */
function vschemaFileReference(vschema: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!Object.hasOwn(vschema, "file")) return;
  const parsed = fileReference.safeParse(vschema);
  for (const issue of parsed.error?.issues ?? []) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
}

export const vitessClusterSpec = z.strictObject({
  version: matching(VITESS_RELEASE, "a Vitess release clusterc supports: v19.0.x or v20.0.x (e.g. v19.0.4)")
    .describe("Vitess release (v19.0.x or v20.0.x); tags the vitess/lite images"),
  cells: z.array(dnsLabel).min(1).describe("Cells (failure domains, e.g. zones) registered in the global topology; one vtgate Deployment each"),
  etcd: z.strictObject({
    replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(3).describe("etcd members: 1, 3 or 5 (fixed at bootstrap; see the runbook to change it)"),
    storage: storage.default({ size: "1Gi" }).describe("Each member's data volume"),
    resources: resources.optional().describe("Overrides the built-in etcd resources"),
  }).default({ replicas: 3, storage: { size: "1Gi" } }).describe("The topology server: an etcd cluster without an operator"),
  vtctld: z.strictObject({
    replicas: replicas(1),
    resources: resources.optional().describe("Overrides the built-in vtctld resources"),
  }).default({ replicas: 1 }).describe("vtctld: the control plane's API (web and gRPC)"),
  vtgate: z.strictObject({
    replicas: replicas(2).describe("vtgate replicas per cell"),
    service: z.strictObject({
      type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP").describe("Service type in front of each cell's vtgates"),
    }).default({ type: "ClusterIP" }).describe("How clients reach vtgate"),
    clients: z.array(networkPeer).optional()
      .describe("Who may connect to vtgate's MySQL port 3306 (default: any pod in any namespace; any source with service type NodePort or LoadBalancer)"),
    authentication: secretSource.optional()
      .describe("vtgate's static auth file (users.json) in a Secret; default: secretRef { name: <cluster>-vtgate-users, key: users.json }"),
    resources: resources.optional().describe("Overrides the built-in vtgate resources"),
  }).default({ replicas: 2, service: { type: "ClusterIP" } }).describe("vtgate: the MySQL-protocol proxy, one Deployment per cell"),
  vttablet: resourcesOnly("vttablet").optional().describe("Resources of every tablet's vttablet container"),
  mysqld: resourcesOnly("mysqld").optional().describe("Resources of every tablet's mysqld (mysqlctld) container"),
  keyspaces: z.array(keyspace).min(1).describe("Keyspaces, their shards and tablets"),
  helpers: helpers.optional(),
}).superRefine((spec, ctx) => {
  const seen = new Set<string>();
  spec.keyspaces.forEach((ks, k) => {
    if (seen.has(ks.name)) ctx.addIssue({ code: "custom", path: ["keyspaces", k, "name"], message: `keyspace ${ks.name} is listed twice; give each keyspace one entry` });
    seen.add(ks.name);
    const cell = ks.tablets.cell;
    if (cell !== undefined && !spec.cells.includes(cell)) {
      ctx.addIssue({ code: "custom", path: ["keyspaces", k, "tablets", "cell"], message: `cell ${cell} is not one of spec.cells (${spec.cells.join(", ")}); add it there or fix the name` });
    }
    if (ks.durability === "semi_sync" && ks.tablets.replica < 2) {
      ctx.addIssue({ code: "custom", path: ["keyspaces", k, "durability"], message: "semi_sync needs 2 or more replica tablets per shard: with one, the primary waits for an acknowledgement no replica can give; add a replica or use none" });
    }
    if (Array.isArray(ks.shards)) {
      for (const issue of shardRangeIssues(ks.shards)) ctx.addIssue({ code: "custom", path: ["keyspaces", k, "shards", issue.index], message: issue.message });
    }
  });
  const uids = new Map<number, string>();
  spec.keyspaces.forEach((ks, k) => {
    const shards = shardList(ks.shards);
    for (const shard of shards) {
      for (const type of TABLET_TYPES) {
        if (type === "rdonly" && ks.tablets.rdonly === 0) continue;
        const tablets = `${ks.name}/${shard} ${type}`;
        const base = tabletUidBase(ks.name, shard, type);
        const other = uids.get(base);
        if (other !== undefined) {
          ctx.addIssue({ code: "custom", path: ["keyspaces", k, "name"], message: `the ${tablets} tablets would get the same tablet UIDs (from ${base}) as the ${other} tablets; rename keyspace ${ks.name}` });
        }
        uids.set(base, tablets);
      }
    }
  });
  const cells = new Set<string>();
  spec.cells.forEach((cell, c) => {
    if (cells.has(cell)) ctx.addIssue({ code: "custom", path: ["cells", c], message: `cell ${cell} is listed twice` });
    cells.add(cell);
  });
});

/**
 * The longest StatefulSet name whose pods Kubernetes can create: its pods carry the label
 * controller-revision-hash `<name>-<10 characters>`, and a label value has at most 63.
 */
const STATEFULSET_NAME_MAX = 52;

export const vitessClusterDocument = clusterDocument("VitessCluster", vitessClusterSpec).superRefine((doc, ctx) => {
  doc.spec.keyspaces.forEach((ks, k) => {
    const shards = shardList(ks.shards);
    const name = shards.map((shard) => `${doc.metadata.name}-${ks.name}-${shardSlug(shard)}-replica`).sort((a, b) => b.length - a.length)[0]!;
    if (name.length > STATEFULSET_NAME_MAX) {
      ctx.addIssue({ code: "custom", path: ["spec", "keyspaces", k, "name"], message: `the tablet StatefulSets <cluster>-<keyspace>-<shard>-<type> would be named up to ${name.length} characters, and Kubernetes creates no pods for a StatefulSet over ${STATEFULSET_NAME_MAX}; shorten the keyspace or cluster name` });
    }
  });
});
/** A VitessCluster as its schema reads it: a keyspace's schema or vschema may still name a file. */
type ParsedVitessCluster = z.output<typeof vitessClusterDocument>;
type ParsedKeyspace = ParsedVitessCluster["spec"]["keyspaces"][number];

/** A keyspace with the files it names read in (compile.ts puts their content in place of `{ file }`). */
export type VitessKeyspace = Omit<ParsedKeyspace, "schema"> & { schema?: string };
export type VitessClusterDocument = Omit<ParsedVitessCluster, "spec"> & { spec: Omit<ParsedVitessCluster["spec"], "keyspaces"> & { keyspaces: VitessKeyspace[] } };

/** The files a VitessCluster's keyspaces name: each keyspace's schema (SQL text) and VSchema (a map). */
export function vitessFileReferences(document: ParsedVitessCluster): FieldFile[] {
  return document.spec.keyspaces.flatMap((ks, k) => [
    ...(typeof ks.schema === "object" ? [{ path: ["spec", "keyspaces", k, "schema"], file: ks.schema.file, content: "text" as const }] : []),
    ...(ks.vschema !== undefined && typeof ks.vschema.file === "string" ? [{ path: ["spec", "keyspaces", k, "vschema"], file: ks.vschema.file, content: "map" as const }] : []),
  ]);
}
