import type { Procedure } from "../types.js";
import { DATA_VOLUME } from "./components.js";

/** How every warning words a procedure: its steps numbered, in order, then the runbook section that explains them. */
export function describeProcedure(procedure: Procedure): string {
  const steps = procedure.steps.map((step, i) => `${i + 1}) ${step}`).join("; ");
  return procedure.runbook === undefined ? steps : `${steps} (every step explained: ${procedure.runbook})`;
}

/** The step in a procedure where the spec change itself goes out. */
export const SYNC_STEP = "render, commit and let Argo CD or Flux sync this change";

/**
 * Deletes the data claims of pods that are gone, which their StatefulSet keeps
 * (persistentVolumeClaimRetentionPolicy Retain) and would hand to a pod of the same ordinal again.
 */
export function deleteClaims(namespace: string, pods: readonly string[]): string {
  return `kubectl -n ${namespace} delete pvc ${pods.map((pod) => `${DATA_VOLUME}-${pod}`).join(" ")} (with storage.hostPath, then free each directory with clusterc release and wipe it)`;
}
