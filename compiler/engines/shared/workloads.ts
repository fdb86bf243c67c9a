import type {
  V1Deployment, V1PersistentVolumeClaim, V1PodSpec, V1Service, V1ServicePort, V1StatefulSet,
} from "@kubernetes/client-node";
import type { KubeObject } from "../types.js";
import { objectMeta, selectorLabels, standardLabels, type ComponentRef } from "./metadata.js";

type Typed<T> = T & KubeObject;

export function tcpPort(name: string, port: number): V1ServicePort {
  return { name, port, protocol: "TCP", targetPort: port };
}

/**
 * Headless Service that gives each StatefulSet pod a stable DNS name. Not-ready pods are published
 * too: peers must find each other before any of them is ready, or a quorum never forms.
 */
export function headlessService(ref: ComponentRef, name: string, wave: number, ports: V1ServicePort[], selector = selectorLabels(ref)): Typed<V1Service> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: objectMeta(ref, name, wave),
    spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports },
  };
}

/** `selector` defaults to the pods of `ref`'s component; a Service labelled as another component (applied in an earlier wave) names them. */
export function service(ref: ComponentRef, name: string, wave: number, type: string, ports: V1ServicePort[], selector = selectorLabels(ref)): Typed<V1Service> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: objectMeta(ref, name, wave),
    spec: { type, selector, ports },
  };
}

export interface StatefulSetOptions {
  name: string;
  wave: number;
  serviceName: string;
  replicas: number;
  pod: V1PodSpec;
  claims?: V1PersistentVolumeClaim[];
  /** Labels the pods carry besides the standard ones, e.g. a set across workloads; never part of the selector. */
  podLabels?: Record<string, string>;
}

/**
 * Pods start in parallel: quorum members wait for each other, so OrderedReady would deadlock on the
 * first pod. Claims are retained when the set is deleted or scaled down: data is never dropped by a sync.
 */
export function statefulSet(ref: ComponentRef, options: StatefulSetOptions): Typed<V1StatefulSet> {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: objectMeta(ref, options.name, options.wave),
    spec: {
      serviceName: options.serviceName,
      replicas: options.replicas,
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      selector: { matchLabels: selectorLabels(ref) },
      template: { metadata: { labels: { ...options.podLabels, ...standardLabels(ref) } }, spec: options.pod },
      ...(options.claims && { volumeClaimTemplates: options.claims }),
    },
  };
}

export function deployment(ref: ComponentRef, name: string, wave: number, replicas: number, pod: V1PodSpec): Typed<V1Deployment> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(ref, name, wave),
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(ref) },
      template: { metadata: { labels: standardLabels(ref) }, spec: pod },
    },
  };
}

/**
 * The claim template of a StatefulSet; the storage rules bind it to a class or to hostPath volumes.
 * apiVersion and kind are written out because the API server returns them: without them Argo CD sees
 * the StatefulSet OutOfSync forever and self-heal loops (argoproj/argo-cd#11143).
 */
export function claimTemplate(name: string, size: string, storageClassName: string | undefined): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: size } },
      ...(storageClassName !== undefined && { storageClassName }),
    },
  };
}
