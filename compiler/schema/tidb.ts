import { z } from "zod";
import { clusterDocument, helpers, matching, networkPeer, replicas, resources, secretSource, storage } from "./common.js";

const nodePort = z.number().int().min(30000).max(32767);

const tidbService = z
  .strictObject({
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP").describe("Service type in front of TiDB"),
    nodePorts: z
      .strictObject({
        mysql: nodePort.optional().describe("Node port for the MySQL protocol (port 4000)"),
        status: nodePort.optional().describe("Rejected: the status API (port 10080) is unauthenticated HTTP and stays inside the cluster"),
      })
      .optional()
      .describe("Fixed node ports; only with type NodePort or LoadBalancer"),
  })
  .superRefine((value, ctx) => {
    if (value.nodePorts !== undefined && value.type === "ClusterIP") {
      ctx.addIssue({ code: "custom", path: ["nodePorts"], message: "needs service type NodePort or LoadBalancer" });
    }
    if (value.nodePorts?.status !== undefined) {
      ctx.addIssue({
        code: "custom", path: ["nodePorts", "status"],
        message: "TiDB's status API (port 10080) is unauthenticated HTTP, so clusterc never puts it on a node port or load balancer; remove nodePorts.status and reach it from inside the cluster",
      });
    }
  });

const RELEASE = /^v(\d+)\.(\d+)\.(\d+)$/;

/**
 * The first release whose tidb-server takes `--initialize-sql-file` (TiDB v6.5.1 and v6.6.0 release
 * notes, pingcap/tidb#35624): clusterc sets the root password with it, so root is never empty on port 4000.
 */
const INITIALIZE_SQL_FILE_SINCE = [6, 5, 1];

function releaseAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = RELEASE.exec(version)!.slice(1).map(Number);
  const differing = parts.findIndex((part, i) => part !== minimum[i]);
  return differing < 0 || parts[differing]! > minimum[differing]!;
}

export const tidbClusterSpec = z.strictObject({
  version: matching(RELEASE, "a pinned TiDB release such as v7.5.1")
    .refine((value) => !RELEASE.test(value) || releaseAtLeast(value, INITIALIZE_SQL_FILE_SINCE), {
      params: { expected: "v6.5.1 or later: clusterc starts TiDB with --initialize-sql-file (new in v6.5.1) so that root never has an empty password" },
    })
    .describe("TiDB release, v6.5.1 or later; tags the pd, tikv and tidb images"),
  pd: z
    .strictObject({
      replicas: replicas(3),
      storage: storage.describe("PD data volume"),
      resources: resources.optional().describe("Overrides the built-in PD resources"),
    })
    .describe("Placement Driver: the Raft quorum that holds cluster metadata"),
  tikv: z
    .strictObject({
      replicas: replicas(3),
      storage: storage.describe("TiKV data volume"),
      resources: resources.optional().describe("Overrides the built-in TiKV resources"),
    })
    .describe("TiKV: the distributed key-value store (Raft)"),
  tidb: z
    .strictObject({
      replicas: replicas(2),
      workload: z.enum(["Deployment", "StatefulSet"]).default("Deployment").describe("Run the stateless SQL layer as a Deployment or a StatefulSet"),
      service: tidbService.default({ type: "ClusterIP" }).describe("How clients reach TiDB"),
      clients: z.array(networkPeer).optional()
        .describe("Who may connect to the MySQL port 4000 (default: any pod in any namespace; any source with service type NodePort or LoadBalancer)"),
      resources: resources.optional().describe("Overrides the built-in TiDB resources"),
    })
    .default({ replicas: 2, workload: "Deployment", service: { type: "ClusterIP" } })
    .describe("TiDB: the stateless SQL layer"),
  rootPassword: secretSource.describe("The root password: TiDB sets it when it bootstraps, the init Job on a TiDB that has none"),
  helpers: helpers.optional(),
});

export const tidbClusterDocument = clusterDocument("TiDBCluster", tidbClusterSpec);
export type TiDBClusterDocument = z.output<typeof tidbClusterDocument>;
export type TiDBClusterSpec = TiDBClusterDocument["spec"];
