import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { Origin } from "../diagnostics.js";
import type { Cluster, ClusterDocument } from "../fleet/fleet.js";
import type { ComponentResourceDefaults } from "../fleet/policy.js";
import type { StorageSpec } from "../schema/common.js";

/** Any Kubernetes object: typed factories in engines/shared build the concrete kinds. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
}

/** An object to render, with the spec field that caused it, so rules can point findings there. */
export interface Manifest {
  object: KubeObject;
  origin: Origin;
}

/**
 * How the rules treat a component's replicas. `quorum`: Raft/etcd members or primary/standby pairs,
 * which must never share a node and get a PodDisruptionBudget. `replicated`: interchangeable replicas,
 * spread when possible.
 */
export type ComponentRole = "quorum" | "replicated";

export interface ComponentStorage {
  /** Name of the StatefulSet's volumeClaimTemplate; claims are `<template>-<statefulset>-<ordinal>`. */
  claimTemplate: string;
  spec: StorageSpec;
  /** The `storage` field of the spec. */
  origin: Origin;
}

/** What an engine tells the rules about one component of a cluster. */
export interface Component {
  name: string;
  role: ComponentRole;
  replicas: number;
  /** The Deployment or StatefulSet that runs the component, among the cluster's manifests. */
  workload: { kind: "Deployment" | "StatefulSet"; name: string };
  /** The labels that select exactly this component's pods. */
  selector: Record<string, string>;
  /** The component's field in the spec, e.g. spec.pd. */
  origin: Origin;
  storage?: ComponentStorage;
}

/** A cluster expanded into objects: what flows from the engines through the rules to emit/. */
export interface ClusterBuild {
  cluster: Cluster;
  manifests: Manifest[];
  components: Component[];
}

/** Expands one kind of cluster spec. Pure: no I/O, no shared state. */
export interface Engine<D extends ClusterDocument = ClusterDocument> {
  kind: D["kind"];
  /** The app.kubernetes.io/name label of everything it renders. */
  appName: string;
  /** Built-in resources per component: the lowest layer, under policies and the spec. */
  resourceDefaults: readonly ComponentResourceDefaults[];
  expand(cluster: Cluster<D>): ClusterBuild;
}
