import { z } from "zod";
import { QUANTITY_PATTERN } from "../quantity.js";

/** Rule IDs that schema issues carry through zod's `params`, so the issue mapper never reads message text. */
export const SECRET_LITERAL = "secret-literal";

export const API_VERSION = "clusterc/v1";

/** DNS-1123 label: what Kubernetes accepts as a namespace and as the stem of object names. */
export const dnsLabel = z
  .string()
  .max(63)
  .refine((value) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value), {
    params: { ruleId: "schema-name", expected: "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit" },
  })
  .meta({ title: "DNS-1123 label" });

/** A string that must match `pattern`; `expected` completes the sentence "must be ...". */
export function matching(pattern: RegExp, expected: string) {
  return z.string().refine((value) => pattern.test(value), { params: { expected } });
}

export const quantity = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => QUANTITY_PATTERN.test(value), { params: { expected: "a Kubernetes quantity such as 500m, 2, 10Gi" } })
  .meta({ title: "quantity" });

/**
 * A size of storage, with its unit: Kubernetes reads a bare number as bytes, so `size: 100` would
 * be a 100-byte volume, never what anyone meant.
 */
export const storageSize = quantity
  .refine((value) => /[KMGTPE]i?$|k$/.test(value), { params: { expected: "a size with its unit, such as 100Gi (a bare number is bytes)" } })
  .meta({ title: "quantity" });

export const clusterMetadata = z.strictObject({
  name: dnsLabel.describe("Cluster name, unique across the repository; prefixes every object name"),
  namespace: dnsLabel.optional().describe("Namespace of the cluster's objects (default: the cluster name)"),
  labels: z.record(z.string(), z.string()).optional().describe("Labels that policy selectors match"),
});

/** A cluster kind's document: the header every cluster spec shares, around its kind's spec. */
export function clusterDocument<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal(kind), metadata: clusterMetadata, spec });
}

export const plainMetadata = z.strictObject({
  name: dnsLabel.describe("Name, unique among documents of this kind"),
});

export const computeResources = z.strictObject({
  cpu: quantity.optional().describe("CPU, e.g. 500m or 2"),
  memory: quantity.optional().describe("Memory, e.g. 4Gi"),
});

export const resources = z.strictObject({
  requests: computeResources.optional().describe("Requested CPU and memory"),
  limits: computeResources.optional().describe("CPU and memory limits"),
});
export type ResourcesSpec = z.output<typeof resources>;

/** The containers no engine sizes itself, in every cluster kind: init containers, sidecars, hook Jobs. */
export const helpers = z.strictObject({
  resources: resources.optional().describe("Overrides the built-in resources of those containers: requests 100m CPU, 128Mi memory; limits 500m, 256Mi"),
}).describe("The containers the engine does not size itself: init containers, sidecars and hook Jobs' containers (README: Policy, Helpers)");

export const storage = z
  .strictObject({
    size: storageSize.describe("Size of each replica's volume, e.g. 100Gi"),
    storageClassName: z.string().min(1).optional().describe("StorageClass for dynamically provisioned volumes"),
    hostPath: z
      .strictObject({ pool: dnsLabel.describe("Name of the HostPathPool that holds the volumes") })
      .optional()
      .describe("Place each replica's volume on a directory of a HostPathPool"),
  })
  .superRefine((value, ctx) => {
    if (value.storageClassName !== undefined && value.hostPath !== undefined) {
      ctx.addIssue({
        code: "custom", path: ["hostPath"],
        message: "storageClassName and hostPath exclude each other; keep one",
      });
    }
  });
export type StorageSpec = z.output<typeof storage>;

const secretRef = z.strictObject({
  name: dnsLabel.describe("Name of a Secret in the cluster's namespace"),
  key: matching(/^[-._a-zA-Z0-9]+$/, "a Secret data key: letters, digits, '-', '_', '.'").describe("Key inside the Secret"),
});

const externalSecret = z.strictObject({
  store: dnsLabel.describe("Name of the External Secrets store"),
  storeKind: z.enum(["ClusterSecretStore", "SecretStore"]).default("ClusterSecretStore").describe("Kind of the store"),
  remoteKey: z.string().min(1).describe("Key of the secret in the external store"),
  property: z.string().min(1).optional().describe("Property inside the remote secret, when it holds several values"),
});

/**
 * Where a secret value comes from: never the value itself. A scalar here is a literal secret, which
 * gets its own rule ID and a message that does not repeat the value.
 */
export const secretSource = z.preprocess(
  (value, ctx) => {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      ctx.addIssue({
        code: "custom",
        params: { ruleId: SECRET_LITERAL },
        message: "holds a literal secret (value not shown); reference a Secret instead: { secretRef: { name, key } } or { externalSecret: { store, remoteKey } }",
      });
      return z.NEVER;
    }
    return value;
  },
  z
    .strictObject({
      secretRef: secretRef.optional().describe("A Secret you manage"),
      externalSecret: externalSecret.optional().describe("A secret that clusterc fetches through an ExternalSecret"),
    })
    .superRefine((value, ctx) => {
      const count = Number(value.secretRef !== undefined) + Number(value.externalSecret !== undefined);
      if (count !== 1) {
        ctx.addIssue({ code: "custom", message: "needs exactly one of secretRef or externalSecret" });
      }
    }),
).meta({ title: "secret source" });
export type SecretSource = z.output<typeof secretSource>;

export function replicas(defaultCount: number) {
  return z.number().int().min(1).max(99).default(defaultCount).describe("Number of replicas");
}

const labelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional().describe("Labels the pods or namespaces must all carry"),
  matchExpressions: z.array(z.strictObject({
    key: z.string().min(1).describe("Label key"),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("How the label's value is compared with values"),
    values: z.array(z.string()).optional().describe("Values for In and NotIn"),
  })).optional().describe("Label requirements, all of which must hold"),
}).meta({ title: "label selector" });

/**
 * Who may connect: pods chosen by a namespace and/or pod selector (a pod selector alone means the
 * cluster's own namespace), or an address block outside the cluster; as a NetworkPolicy peer.
 */
export const networkPeer = z
  .strictObject({
    namespaceSelector: labelSelector.optional().describe("Namespaces whose pods may connect; {} is every namespace"),
    podSelector: labelSelector.optional().describe("Pods that may connect (in the cluster's namespace unless namespaceSelector is set)"),
    ipBlock: z.strictObject({
      cidr: matching(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "a CIDR such as 10.0.0.0/8").describe("Addresses that may connect, e.g. 10.0.0.0/8"),
      except: z.array(matching(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "a CIDR such as 10.1.0.0/16")).optional().describe("Addresses inside cidr that may not"),
    }).optional().describe("Addresses outside the cluster that may connect (after any SNAT the Service applies)"),
  })
  .superRefine((value, ctx) => {
    const selectors = value.namespaceSelector !== undefined || value.podSelector !== undefined;
    if (selectors === (value.ipBlock !== undefined)) {
      ctx.addIssue({ code: "custom", message: "needs namespaceSelector and/or podSelector, or ipBlock alone" });
    }
  })
  .meta({ title: "network peer" });
export type NetworkPeerSpec = z.output<typeof networkPeer>;

/**
 * A file next to the spec, named relative to the spec's folder: there or in a folder below it, so a
 * spec never reads outside its own tree. Not `.yaml`/`.yml`: every such file under clusters/ is read
 * as a spec.
 */
export const relativeFile = z.string().min(1)
  .refine((value) => !/^([/\\]|[a-zA-Z]:)/.test(value) && !value.split(/[/\\]/).includes(".."), {
    params: { expected: "a path relative to the spec's folder, without '..' (the file lives in that folder or below it)" },
  })
  .refine((value) => !/\.ya?ml$/i.test(value), {
    params: { expected: "a file not named .yaml or .yml: every such file under clusters/ is read as a spec; use .sql, or .json for a VSchema" },
  })
  .meta({ title: "file path" });

/** `{ file }`: a field's value read from a file next to the spec instead of written inline. */
export const fileReference = z.strictObject({
  file: relativeFile.describe("Path of the file, relative to the spec's folder"),
});

/** A field of a document whose value is in a file (as its `{ file }` names it), and what the file holds. */
export interface FieldFile {
  /** Where the field is in its document, e.g. ["spec", "keyspaces", 0, "schema"]. */
  path: (string | number)[];
  /** As written in the spec: relative to the spec's folder. */
  file: string;
  /** `text`: the field takes the file's text; `map`: the file is a JSON or YAML map, the field takes its data. */
  content: "text" | "map";
}
