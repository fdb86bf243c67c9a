import { selectorLabels, type ComponentRef } from "../../compiler/engines/shared/metadata.js";
import { deployment, statefulSet } from "../../compiler/engines/shared/workloads.js";
import type { ClusterBuild, Component, PodSet, Separation } from "../../compiler/engines/types.js";
import type { Cluster } from "../../compiler/fleet/fleet.js";
import { clusterPolicy } from "../../compiler/fleet/policy.js";
import { policyDocument } from "../../compiler/schema/policy.js";

/**
 * Synthetic clusters for the placement model: components of any shape with any separations, the way
 * the engines still to come declare them (a GTM pair, datanode masters and standbys, a shard's tablets
 * in two StatefulSets), built with the engines' own shared builders.
 */
export interface ComponentShape {
  replicas: number;
  kind?: "Deployment" | "StatefulSet";
  /** Extra pod labels, e.g. the shard a tablet belongs to. */
  labels?: Record<string, string>;
  /** With a pool: one hostPath volume per replica of `size` (default 10Gi). */
  pool?: string;
  size?: string;
  apart?: (sets: Sets) => Separation[];
}

/** A set of one component's replicas, and groups of pods by label. */
export interface Sets {
  replicas(component: string): PodSet;
  group(name: string, labels: Record<string, string>, components: string[]): PodSet;
}

export function syntheticCluster(name: string, shapes: Record<string, ComponentShape>, options: { policy?: string; budgets?: (sets: Sets) => PodSet[] } = {}): ClusterBuild {
  const origin = { file: `clusters/${name}.yaml`, doc: 0, path: [] };
  const policies = options.policy === undefined ? [] : [{ name: "p", spec: policyDocument.parse({
    apiVersion: "clusterc/v1", kind: "Policy", metadata: { name: "p" }, spec: { rules: { antiAffinity: options.policy } },
  }).spec, origin }];
  const cluster: Cluster = {
    kind: "TiDBCluster", name, namespace: name, labels: {}, spec: {} as never, origin, outputDir: name,
    policy: clusterPolicy("TiDBCluster", name, {}, {}, origin, [], policies),
  };
  const ref = (component: string): ComponentRef => ({ cluster, appName: "synthetic", component });
  const sets: Sets = {
    replicas: (component) => ({ name: component, selector: selectorLabels(ref(component)), components: [component] }),
    group: (group, labels, components) => ({ name: group, selector: { "app.kubernetes.io/instance": name, ...labels }, components }),
  };
  const components: Component[] = [];
  const manifests: ClusterBuild["manifests"] = [];
  for (const [component, shape] of Object.entries(shapes)) {
    const workloadName = `${name}-${component}`;
    const kind = shape.kind ?? "StatefulSet";
    const pod = { containers: [{ name: component, image: "example/db:1.0" }] };
    const object = kind === "Deployment"
      ? deployment(ref(component), workloadName, 0, shape.replicas, pod)
      : statefulSet(ref(component), { name: workloadName, wave: 0, serviceName: workloadName, replicas: shape.replicas, pod,
        claims: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: shape.size ?? "10Gi" } } } }] });
    object.spec!.template!.metadata!.labels = { ...object.spec!.template!.metadata!.labels, ...shape.labels };
    const at = { ...origin, path: ["spec", component] };
    manifests.push({ object, origin: at });
    components.push({
      name: component, replicas: shape.replicas, origin: at,
      workload: { kind, name: workloadName },
      selector: selectorLabels(ref(component)),
      apart: shape.apart?.(sets) ?? [],
      ...(shape.pool !== undefined && {
        storage: { claimTemplate: "data", spec: { size: shape.size ?? "10Gi", hostPath: { pool: shape.pool } }, origin: { ...at, path: [...at.path, "storage"] } },
      }),
    });
  }
  return { cluster, manifests, components, disruptionBudgets: options.budgets?.(sets) ?? [] };
}
