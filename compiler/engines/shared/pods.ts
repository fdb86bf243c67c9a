import type { V1Container, V1PodSpec, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../types.js";

/** The pod template spec of a workload (Deployment, StatefulSet, Job), or undefined for other kinds. */
export function podSpecOf(object: KubeObject): V1PodSpec | undefined {
  return (object as { spec?: { template?: { spec?: V1PodSpec } } }).spec?.template?.spec;
}

/** The pod template of a workload (Deployment, StatefulSet, Job), or undefined for other kinds. */
export function podTemplateOf(object: KubeObject): V1PodTemplateSpec | undefined {
  return (object as { spec?: { template?: V1PodTemplateSpec } }).spec?.template;
}

/** Every container of a pod, init containers first. */
export function containersOf(pod: V1PodSpec): V1Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/**
 * A deep copy of plain data (what engines build: objects, arrays, strings, numbers, booleans), so
 * transformers can edit objects without touching the engine's output. Not `structuredClone`, which
 * took a tenth of a check without a cache (660 ms at 1,000 clusters) for its generality.
 */
export function copyOf<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = copyOf(field);
  return copy as T;
}
