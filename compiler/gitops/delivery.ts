import type { Origin } from "../diagnostics.js";
import { folderFiles } from "../emit/layout.js";
import type { Manifest } from "../engines/types.js";
import type { GitOpsTarget, RESERVED_OUTPUT_DIRS } from "../fleet/fleet.js";
import { argoCdObjects } from "./argocd.js";
import { fluxObjects } from "./flux.js";
import type { DeliveredCluster } from "./metadata.js";

/** One folder of rendered/ that a GitOps tool reads, e.g. rendered/argocd/. */
export interface DeliveryFolder {
  dir: (typeof RESERVED_OUTPUT_DIRS)[number];
  manifests: Manifest[];
}

/** The Argo CD and Flux objects that deliver every cluster of the fleet, for the tools the GitOps document names. */
export function deliveryFolders(target: GitOpsTarget, clusters: readonly DeliveredCluster[]): DeliveryFolder[] {
  const { repoURL, revision, argocd, flux } = target.spec;
  const at = (field: string): Origin => ({ ...target.origin, path: ["spec", field] });
  const folders: DeliveryFolder[] = [];
  if (argocd) {
    if (repoURL === undefined) throw new Error("schema bug: spec.argocd passed without spec.repoURL");
    const objects = argoCdObjects(target.name, { repoURL, revision }, argocd, clusters);
    folders.push({ dir: "argocd", manifests: objects.map((object) => ({ object, origin: at("argocd") })) });
  }
  if (flux) {
    folders.push({ dir: "flux", manifests: fluxObjects(flux, clusters).map((object) => ({ object, origin: at("flux") })) });
  }
  return folders;
}

/** The files of each folder, so an app-of-apps or a Flux root Kustomization can point at the folder. */
export function layoutDelivery(folders: readonly DeliveryFolder[]): Map<string, string> {
  return new Map(folders.flatMap(({ dir, manifests }) => folderFiles(dir, manifests.map((m) => m.object))));
}
