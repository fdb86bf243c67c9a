import type { V1Container, V1Job } from "@kubernetes/client-node";
import type { KubeObject } from "../types.js";
import { objectMeta, type ComponentRef } from "./metadata.js";

export interface HookJobOptions {
  name: string;
  wave: number;
  /** Sync: runs in its wave, after the waves before it are healthy. PostSync: once every wave is healthy. */
  hook: "Sync" | "PostSync";
  container: V1Container;
  /** An exit code that is an answer, not an outage: the Job fails at once on it instead of retrying. */
  noRetryExitCode?: number;
}

/**
 * A one-shot Job as an Argo CD hook. BeforeHookCreation deletes the old Job before a new sync creates
 * it again, so a changed Job never hits the immutable pod template; Flux, which has no hooks,
 * recreates it for the same reason (force). Retries cover a lost pod.
 */
export function hookJob(ref: ComponentRef, options: HookJobOptions): V1Job & KubeObject {
  const { name, wave, hook, container, noRetryExitCode } = options;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: objectMeta(ref, name, wave, {
      "argocd.argoproj.io/hook": hook,
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
      "kustomize.toolkit.fluxcd.io/force": "enabled",
    }),
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
      ...(noRetryExitCode !== undefined && {
        podFailurePolicy: {
          rules: [{ action: "FailJob", onExitCodes: { containerName: container.name, operator: "In", values: [noRetryExitCode] } }],
        },
      }),
      template: {
        metadata: { labels: objectMeta(ref, name, 0).labels! },
        spec: { restartPolicy: "Never", containers: [container] },
      },
    },
  };
}
