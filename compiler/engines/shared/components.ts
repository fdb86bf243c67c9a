import type { V1PodSpec } from "@kubernetes/client-node";
import type { Origin } from "../../diagnostics.js";
import type { StorageSpec } from "../../schema/common.js";
import type { Component, Manifest, Separation } from "../types.js";
import { selectorLabels, type ComponentRef } from "./metadata.js";
import { claimTemplate, statefulSet } from "./workloads.js";

/** The claim template every stateful component mounts its data from. */
export const DATA_VOLUME = "data";

export interface StatefulComponentOptions {
  name: string;
  wave: number;
  /** The headless Service that names the pods. */
  serviceName: string;
  replicas: number;
  /** Who its pods stay apart from. */
  apart: readonly Separation[];
  /** Its containers mount `DATA_VOLUME`. */
  pod: V1PodSpec;
  /** Labels the pods carry besides the standard ones: a set across components. */
  podLabels?: Record<string, string>;
  storage: StorageSpec;
  /** The component's field in the spec, and its storage field. */
  origin: Origin;
  storageOrigin: Origin;
  /** Names the component among the cluster's when one component runs several StatefulSets (default: the ref's component). */
  componentName?: string;
}

/**
 * A component that keeps data: its StatefulSet with one data claim per replica, and what the rules
 * need to know of it (who it stays apart from, its storage for the hostPath layout).
 */
export function statefulComponent(ref: ComponentRef, options: StatefulComponentOptions): { manifest: Manifest; component: Component } {
  const { name, wave, serviceName, replicas, apart, pod, podLabels, storage, origin, storageOrigin } = options;
  return {
    manifest: {
      object: statefulSet(ref, {
        name, wave, serviceName, replicas, ...(podLabels && { podLabels }),
        pod,
        claims: [claimTemplate(DATA_VOLUME, storage.size, storage.storageClassName)],
      }),
      origin,
    },
    component: {
      name: options.componentName ?? ref.component, replicas, origin, apart,
      workload: { kind: "StatefulSet", name },
      selector: selectorLabels(ref),
      storage: { claimTemplate: DATA_VOLUME, spec: storage, origin: storageOrigin },
    },
  };
}
