import { z } from "zod";
import { API_VERSION, clusterMetadata, matching, replicas, resources, secretSource, storage } from "./common.js";

const nodePort = z.number().int().min(30000).max(32767);

const tidbService = z
  .strictObject({
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP").describe("Service type in front of TiDB"),
    nodePorts: z
      .strictObject({
        mysql: nodePort.optional().describe("Node port for the MySQL protocol (port 4000)"),
        status: nodePort.optional().describe("Node port for the status API (port 10080)"),
      })
      .optional()
      .describe("Fixed node ports; only with type NodePort or LoadBalancer"),
  })
  .superRefine((value, ctx) => {
    if (value.nodePorts !== undefined && value.type === "ClusterIP") {
      ctx.addIssue({ code: "custom", path: ["nodePorts"], message: "needs service type NodePort or LoadBalancer" });
    }
  });

export const tidbClusterSpec = z.strictObject({
  version: matching(/^v\d+\.\d+\.\d+$/, "a pinned TiDB release such as v7.5.1")
    .describe("TiDB release; tags the pd, tikv and tidb images"),
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
      resources: resources.optional().describe("Overrides the built-in TiDB resources"),
    })
    .default({ replicas: 2, workload: "Deployment", service: { type: "ClusterIP" } })
    .describe("TiDB: the stateless SQL layer"),
  rootPassword: secretSource.describe("The root password that the init Job sets"),
});

export const tidbClusterDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("TiDBCluster"),
  metadata: clusterMetadata,
  spec: tidbClusterSpec,
});
export type TiDBClusterDocument = z.output<typeof tidbClusterDocument>;
export type TiDBClusterSpec = TiDBClusterDocument["spec"];
