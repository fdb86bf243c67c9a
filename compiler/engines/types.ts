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

/** Pods of one cluster that the placement rules treat as one: a component's replicas, or a group across components (one shard's tablets). */
export interface PodSet {
  /** Names the set in messages, and its PodDisruptionBudget `<cluster>-<name>`. */
  name: string;
  /** The labels that select exactly the set's pods. */
  selector: Readonly<Record<string, string>>;
  /** The components whose pods the set holds. */
  components: readonly string[];
}

/**
 * Pods that a component's pods keep off their node. `required`: never on one node, because one node
 * failure must not take down both (quorum members, a primary and its standby). `preferred`: avoided
 * where the scheduler can, with a weight of 1-100. A policy can make every relation required.
 */
export type Separation =
  | { from: PodSet; level: "required" }
  | { from: PodSet; level: "preferred"; weight: number };

export interface ComponentStorage {
  /** Name of the StatefulSet's volumeClaimTemplate; claims are `<template>-<statefulset>-<ordinal>`. */
  claimTemplate: string;
  spec: StorageSpec;
  /** The `storage` field of the spec. */
  origin: Origin;
}

/**
 * What to do instead of a change that Kubernetes refuses or that loses data: exact commands (kubectl,
 * pd-ctl, etcdctl, vtctldclient, adbmgr SQL) with the cluster's names filled in, in order, and the
 * runbook section that explains each step.
 */
export interface Procedure {
  steps: readonly string[];
  /** A runbook section, e.g. docs/tidb-runbook.md#scale-tikv-down. */
  runbook?: string;
}

/** The database release a cluster of an engine runs, as the change planner reads it from the rendered images. */
export interface DatabaseRelease<D extends ClusterDocument = ClusterDocument> {
  /** The field under `spec` that names the release. */
  field: string;
  /** Repositories of the images tagged with the release, e.g. pingcap/tikv. */
  images: readonly string[];
  /** Whether the database starts release `to` on data that release `from` wrote; never, when absent. */
  downgradesInPlace?: (from: string, to: string) => boolean;
  /** What to do instead of running release `to` on data release `from` wrote. */
  downgrade: (cluster: Cluster<D>, from: string, to: string) => Procedure;
}

/** What an engine tells the rules about one component of a cluster. */
export interface Component {
  name: string;
  replicas: number;
  /** The Deployment or StatefulSet that runs the component, among the cluster's manifests. */
  workload: { kind: "Deployment" | "StatefulSet"; name: string };
  /** The labels that select exactly this component's pods. */
  selector: Record<string, string>;
  /** The component's field in the spec, e.g. spec.pd. */
  origin: Origin;
  storage?: ComponentStorage;
  /** Who its pods stay apart from; the anti-affinity rule and the hostPath layout both obey it. */
  apart: readonly Separation[];
  /**
   * For a component whose members must leave the cluster (or whose claims must go) when its pods do:
   * the safe procedure for the pods that go, highest ordinal first. `render`, `check` and the change
   * planner warn with it when its replicas shrink.
   */
  scaleDownProcedure?: (pods: readonly string[]) => Procedure;
  /**
   * For a component that reports its location (TiKV's store labels): the directory where each pod
   * finds a file named after its ordinal with its node's topology (`zone=<zone>`) when its
   * hostPath pool names zones. No file otherwise.
   */
  topologyDir?: string;
}

/** A cluster expanded into objects: what flows from the engines through the rules to emit/. */
export interface ClusterBuild {
  cluster: Cluster;
  manifests: Manifest[];
  components: Component[];
  /** Sets that may lose one pod at a time, never more (quorums, primary/standby sets): each gets a PodDisruptionBudget. */
  disruptionBudgets: readonly PodSet[];
  /** Who connects to whom inside the cluster, and which ports clients and monitoring reach. */
  traffic?: ComponentTraffic[];
}

/** Expands one kind of cluster spec. Pure: no I/O, no shared state. */
export interface Engine<D extends ClusterDocument = ClusterDocument> {
  kind: D["kind"];
  /** The app.kubernetes.io/name label of everything it renders. */
  appName: string;
  /** Built-in resources per component: the lowest layer, under policies and the spec. */
  resourceDefaults: readonly ComponentResourceDefaults[];
  /** Replicas of each component, read straight from the spec; recorded in rendered/cluster-state.yaml. */
  replicas(cluster: Cluster<D>): Record<string, number>;
  /**
   * Components whose first members bootstrap together (a Raft group listed in its start flags): how
   * many they were is fixed at the cluster's first render and handed back as `state.bootstrap`.
   */
  bootstrapped?: readonly string[];
  /** Where the spec names the database release, for the version-downgrade warning; absent when the spec names an image instead. */
  release?: DatabaseRelease<D>;
  /** What each container's image needs, by container name; every container the engine renders has an entry. */
  containers?: Readonly<Record<string, ContainerNeeds>>;
  expand(cluster: Cluster<D>, state: BootstrapState): ClusterBuild;
}

/** What the cluster's earlier renders fixed, by component: the members each bootstrapped component started with. */
export interface BootstrapState {
  bootstrap: Readonly<Record<string, number>>;
}

/** Pod Security Standards levels clusterc renders for (kubernetes.io/docs/concepts/security/pod-security-standards). */
export type PodSecurityLevel = "baseline" | "restricted";

/**
 * What one container's image needs to run, from its Dockerfile or documentation: the
 * security-context rule derives the container's securityContext and scratch volumes from it.
 */
export interface ContainerNeeds {
  /** The user and group the process runs as: the image's own, or any its files allow. */
  runAs: { uid: number; gid: number };
  /** Directories outside volumes that the process writes; each gets an emptyDir, the root filesystem stays read-only. */
  scratch: readonly string[];
  /** Set when the process writes files relative to its working directory: one of `scratch`. */
  workingDir?: string;
  /** Capabilities the process cannot do without; all others are dropped. */
  capabilities?: readonly string[];
  /** Why the image cannot meet "restricted" (it must run as root, or needs a capability beyond NET_BIND_SERVICE). */
  belowRestricted?: string;
  /** The process calls the Kubernetes API, so its pod keeps a service-account token. */
  callsKubernetesApi?: boolean;
}

/** A label selector, as NetworkPolicy peers take it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** Who may connect to a client endpoint: pods chosen by selectors, or (alone) addresses outside the cluster. */
export interface NetworkPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

/** A port a component's pods serve and who may connect to it; nothing else reaches the port. */
export type ServedPort = (
  | {
    /** The container port's name in the pod spec. */
    port: string;
    dynamic?: never;
  }
  | {
    port?: never;
    /** Every port, for processes that listen on ports they pick at run time: why they do. Peers only, never clients. */
    dynamic: string;
  }
) & {
  /** Components of the same cluster that connect (their app.kubernetes.io/component). */
  peers: readonly string[];
  /** A client endpoint: also open to these peers; an empty list opens it to every source. */
  clients?: readonly NetworkPeer[];
  /** Serves metrics: also open to the monitoring pods a policy names. */
  metrics?: boolean;
};

/** The ports one component serves, for the network-policy rule. */
export interface ComponentTraffic {
  component: string;
  ports: readonly ServedPort[];
  /** The component's field in the spec. */
  origin: Origin;
}
