import type { V1StatefulSet } from "@kubernetes/client-node";
import type { KubeObject } from "../engines/types.js";
import { editManifests } from "./edit.js";
import type { Rule } from "./types.js";

/** Annotations that stop Argo CD and Flux from ever deleting a volume or a claim, even with prune on. */
export const PRUNE_PROTECTION: Readonly<Record<string, string>> = {
  "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
  "kustomize.toolkit.fluxcd.io/prune": "disabled",
};

/**
 * Protects data from auto-sync with prune: PersistentVolumes carry the annotations, and so do claim
 * templates, whose annotations Kubernetes copies onto every claim the StatefulSet creates.
 */
export const dataProtection: Rule = {
  id: "data-protection",
  description: "PersistentVolumes and claims carry the Argo CD and Flux annotations that forbid pruning or deleting them",
  level: "none",
  run(builds) {
    const protectedBuilds = builds.map((build) => editManifests(build, holdsData, (object) => {
      if (object.kind === "StatefulSet") {
        for (const claim of (object as V1StatefulSet).spec!.volumeClaimTemplates!) {
          claim.metadata = { ...claim.metadata, annotations: { ...claim.metadata?.annotations, ...PRUNE_PROTECTION } };
        }
      } else {
        object.metadata.annotations = { ...object.metadata.annotations, ...PRUNE_PROTECTION };
      }
    }));
    return { builds: protectedBuilds, findings: [] };
  },
};

function holdsData(object: KubeObject): boolean {
  if (object.kind === "PersistentVolume" || object.kind === "PersistentVolumeClaim") return true;
  return object.kind === "StatefulSet" && ((object as V1StatefulSet).spec?.volumeClaimTemplates?.length ?? 0) > 0;
}
