import { MINIMAL_TIDB_SPEC, tidbSpec } from "../helpers.js";

export const REPO_URL = "https://git.example.com/platform/databases.git";

/** A GitOps document whose spec block is `spec` (lines indented two spaces). */
export function gitOpsDoc(name: string, spec: string): string {
  return `apiVersion: clusterc/v1
kind: GitOps
metadata: { name: ${name} }
spec:
${spec}`;
}

/** Two clusters in different spec folders, one with its own namespace. */
export const TWO_CLUSTERS: Record<string, string> = {
  "clusters/prod/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC).replace("metadata: { name: orders }", "metadata: { name: orders, namespace: shop }"),
  "clusters/staging/reports.yaml": tidbSpec("reports", MINIMAL_TIDB_SPEC),
};

/** The start-up stages of a TiDB cluster whose root password is a secretRef, in order. */
export const TIDB_STAGES = ["pd", "tikv", "tidb", "network", "post-sync"];
