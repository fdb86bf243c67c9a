import type { V1EnvVar } from "@kubernetes/client-node";
// The v1beta1 type: ESO 0.16 serves v1 with the same schema (descriptions aside); the object is validated against v1's.
import type { IExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret";
import type { Origin } from "../../diagnostics.js";
import type { SecretSource } from "../../schema/common.js";
import type { Manifest } from "../types.js";
import { objectMeta, type ComponentRef } from "./metadata.js";

/** The key under which an ExternalSecret stores the fetched value in the Secret it creates. */
const EXTERNAL_SECRET_KEY = "value";

/**
 * How ESO reads the remote value, spelled out at the values it means when they are left out. ESO
 * 0.16 to 2.8 default these three in the CRD schema, so the API server adds them to a manifest
 * without them and Argo CD shows the ExternalSecret OutOfSync forever; 2.9 dropped the defaults and
 * reads an omitted field as these same values (external-secrets/external-secrets#6797, #6798;
 * apis/externalsecrets/v1/externalsecret_types.go). Written out, the object is stored as rendered on
 * every release that serves v1.
 */
const REMOTE_READ = { conversionStrategy: "Default", decodingStrategy: "None", metadataPolicy: "None" } as const;

/**
 * The Secret key that holds a secret: the user's own for a `secretRef`; for an `externalSecret`, the
 * Secret `<cluster>-<purpose>` that the ExternalSecret added here creates, applied one wave before
 * everything else so the Secret exists when pods start.
 */
export function secretKey(ref: ComponentRef, purpose: string, source: SecretSource, origin: Origin): { secret: { name: string; key: string }; manifests: Manifest[] } {
  if (source.secretRef) return { secret: { name: source.secretRef.name, key: source.secretRef.key }, manifests: [] };
  const external = source.externalSecret!;
  const name = `${ref.cluster.name}-${purpose}`;
  const object: Omit<IExternalSecret, "metadata" | "apiVersion"> & Manifest["object"] = {
    // v1 is served from ESO 0.16.0; 0.17.0 stopped serving v1beta1 (config/crds/bases/external-secrets.io_externalsecrets.yaml)
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: objectMeta(ref, name, -1),
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { name: external.store, kind: external.storeKind },
      target: { name, creationPolicy: "Owner" },
      data: [{
        secretKey: EXTERNAL_SECRET_KEY,
        remoteRef: { key: external.remoteKey, ...(external.property !== undefined && { property: external.property }), ...REMOTE_READ },
      }],
    },
  };
  return { secret: { name, key: EXTERNAL_SECRET_KEY }, manifests: [{ object, origin }] };
}

/** An environment variable that reads a secret through secretKeyRef, never as a literal. */
export function secretEnv(ref: ComponentRef, envName: string, purpose: string, source: SecretSource, origin: Origin): { env: V1EnvVar; manifests: Manifest[] } {
  const { secret, manifests } = secretKey(ref, purpose, source, origin);
  return { env: { name: envName, valueFrom: { secretKeyRef: secret } }, manifests };
}
