import { z } from "zod";
import { API_VERSION, plainMetadata, storageSize } from "./common.js";

const directory = z.strictObject({
  path: z.string().min(1).describe("Absolute path of the directory on the node"),
  capacity: storageSize.describe("Space the directory offers to one volume, e.g. 100Gi"),
});

const node = z.strictObject({
  name: z.string().min(1).max(253).describe("Value of the node's kubernetes.io/hostname label"),
  zone: z.string().min(1).optional().describe("Value of the node's topology.kubernetes.io/zone label"),
  directories: z.array(directory).min(1).describe("Directories that may each hold one volume"),
});

export const hostPathPoolDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("HostPathPool"),
  metadata: plainMetadata,
  spec: z.strictObject({
    nodes: z.array(node).min(1).describe("Nodes and their directories"),
  }),
});
export type HostPathPoolDocument = z.output<typeof hostPathPoolDocument>;
