import { z } from "zod";
import { clusterDocument, helpers, networkPeer, replicas, resources, storage } from "./common.js";

export const antdbClusterSpec = z.strictObject({
  image: z.string().min(1).describe("The AntDB image every component runs (built as in the source article: the AntDB rpm under /opt/app/antdb, user antdb)"),
  gtm: z
    .strictObject({
      standby: z.boolean().default(false).describe("Run a GTM standby (gcs) beside the GTM master (gc)"),
      resources: resources.optional().describe("Overrides the built-in gc and gcs resources (a standby takes over as master, so both are sized alike)"),
    })
    .default({ standby: false })
    .describe("Global transaction manager (gtmcoord): one master, optionally one standby"),
  coordinators: z
    .strictObject({
      replicas: replicas(1),
      clients: z.array(networkPeer).optional()
        .describe("Who may connect to the coordinators' port 5432 (default: any pod in any namespace)"),
      resources: resources.optional().describe("Overrides the built-in cn resources"),
    })
    .default({ replicas: 1 })
    .describe("Coordinators (cn): where clients connect"),
  datanodes: z
    .strictObject({
      replicas: replicas(2),
      standby: z.boolean().default(false).describe("Give every datanode master (dn) its own standby (ds); they scale together"),
      resources: resources.optional().describe("Overrides the built-in dn and ds resources (a standby takes over as master, so both are sized alike)"),
    })
    .default({ replicas: 2, standby: false })
    .describe("Datanode masters (dn), each with a standby (ds) when standby is true"),
  mgr: z
    .strictObject({ resources: resources.optional().describe("Overrides the built-in mgr resources") })
    .default({})
    .describe("The cluster manager (adbmgr) that initialises and registers every node"),
  storage: storage.describe("Data volume of every component's pod (gc, gcs, cn, dn, ds, mgr)"),
  helpers: helpers.optional(),
});

export const antdbClusterDocument = clusterDocument("AntDBCluster", antdbClusterSpec);
export type AntDBClusterDocument = z.output<typeof antdbClusterDocument>;
