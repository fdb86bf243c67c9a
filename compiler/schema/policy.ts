import { z } from "zod";
import { API_VERSION, computeResources, dnsLabel, matching, networkPeer, plainMetadata, resources } from "./common.js";

/** The cluster kinds a policy can give defaults to. */
export const POLICY_CLUSTER_KINDS = [
  "TiDBCluster",
  "MySQLCluster",
  "VitessCluster",
  "AntDBCluster",
] as const;

const absolutePath = matching(/^\/\S*$/, "an absolute path such as /data/");

const rules = z.strictObject({
  antiAffinity: z.enum(["required", "preferred"]).optional()
    .describe("required: every replicated component must spread over nodes, not only quorum members"),
  images: z.strictObject({
    forbidTags: z.array(z.string().min(1)).optional().describe("Image tags that may not be used (latest is always forbidden)"),
    allowedRegistries: z.array(z.string().min(1)).optional().describe("Registries images may come from, e.g. docker.io, registry.example.com"),
  }).optional().describe("Image rules"),
  hostPath: z.strictObject({
    allowedPrefixes: z.array(absolutePath).min(1).optional().describe("Directories hostPath volumes must be under, e.g. /data/"),
  }).optional().describe("hostPath volume rules"),
  resources: z.strictObject({
    min: computeResources.optional().describe("Smallest request any container may have"),
    max: computeResources.optional().describe("Largest limit any container may have"),
    maxLimitRequestRatio: z.number().min(1).optional().describe("Largest limit/request ratio, per resource"),
  }).optional().describe("Bounds checked after defaults are applied"),
  podSecurity: z.enum(["baseline", "restricted"]).optional()
    .describe("Pod Security Standards level every pod must meet (default baseline; clusterc renders restricted wherever the images allow)"),
  hostPathChown: z.boolean().optional()
    .describe("true (default): an init container gives hostPath data directories to the database's user, as root (hostPath volumes ignore fsGroup), and those pods meet baseline only; false once the directories are owned by that user, for restricted"),
  networkPolicies: z.strictObject({
    monitoring: networkPeer.optional().describe("Pods that scrape metrics and status ports, e.g. { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } } }"),
  }).optional().describe("NetworkPolicy settings"),
});

const exception = z.strictObject({
  rule: z.string().min(1).describe("ID of the rule whose findings are suppressed"),
  cluster: dnsLabel.describe("Name of the cluster the exception applies to"),
  reason: z.string().min(10).describe("Why the finding is accepted; shown by lint"),
  expires: matching(/^\d{4}-\d{2}-\d{2}$/, "a date such as 2027-01-31").describe("Last day the exception holds (YYYY-MM-DD); after it, the exception is an error"),
});

export const policyDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Policy"),
  metadata: plainMetadata,
  spec: z.strictObject({
    selector: z.strictObject({
      matchLabels: z.record(z.string(), z.string()).optional().describe("Labels a cluster must all carry"),
    }).default({}).describe("Which clusters the policy applies to; empty selects all"),
    defaults: z.partialRecord(z.enum(POLICY_CLUSTER_KINDS), z.record(z.string(), resources)).optional()
      .describe("Resource defaults by cluster kind and component, e.g. TiDBCluster: { tikv: { requests: ... } }"),
    rules: rules.optional().describe("Rule settings"),
    exceptions: z.array(exception).optional().describe("Accepted findings, each with a reason and an expiry date"),
  }),
});
export type PolicyDocument = z.output<typeof policyDocument>;
export type PolicyRules = z.output<typeof rules>;
export type PolicyException = z.output<typeof exception>;
