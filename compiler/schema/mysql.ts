import { z } from "zod";
import { clusterDocument, helpers, networkPeer, replicas, resources, secretSource, storage } from "./common.js";
import { seriesOf } from "./mysql-versions.js";

const SUPPORTED = "8.0.23 or a later 8.0 release, or any 8.4 LTS release";

export const mysqlClusterSpec = z
  .strictObject({
    version: z.string()
      .refine((value) => seriesOf(value) !== undefined, {
        params: { expected: `a MySQL release that clusterc pairs with a known-good XtraBackup: ${SUPPORTED}, written in full and quoted, e.g. "8.0.36" or "8.4.3" (5.7 and 9.x have no pairing)` },
      })
      .describe(`MySQL release: ${SUPPORTED}; tags the mysql image and picks the XtraBackup image`),
    replicas: replicas(3).describe("Members of the replica set: ordinal 0 is the primary, the others replicate from it"),
    storage: storage.describe("Data volume of each member"),
    resources: resources.optional().describe("Overrides the built-in resources of the mysql container"),
    xtrabackup: z
      .strictObject({ resources: resources.optional().describe("Overrides the built-in resources of the clone init container and the xtrabackup sidecar") })
      .optional()
      .describe("The XtraBackup containers: the clone-mysql init container and the xtrabackup sidecar"),
    initConfig: z
      .strictObject({ resources: resources.optional().describe("Overrides the built-in resources of the init-config container") })
      .optional()
      .describe("The init-config container, which picks primary.cnf or replica.cnf and writes server-id"),
    clients: z.array(networkPeer).optional()
      .describe("Who may connect to the members' MySQL port 3306, through any of the cluster's Services (default: any pod in any namespace)"),
    rootPassword: secretSource.describe("The root password (MYSQL_ROOT_PASSWORD); XtraBackup and the sidecar log in with it"),
    replicationPassword: secretSource.optional()
      .describe("Password of the replication user repl; default: key replication-password of rootPassword's Secret"),
    helpers: helpers.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.replicationPassword === undefined && value.rootPassword.externalSecret !== undefined) {
      ctx.addIssue({
        code: "custom", path: ["rootPassword"],
        message: "with rootPassword.externalSecret, set replicationPassword too: the Secret an ExternalSecret creates holds one key, so there is no replication-password beside the root password",
      });
    }
  });

export const mysqlClusterDocument = clusterDocument("MySQLCluster", mysqlClusterSpec);
export type MySQLClusterDocument = z.output<typeof mysqlClusterDocument>;
