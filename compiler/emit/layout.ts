import type { ClusterBuild, KubeObject } from "../engines/types.js";
import { compareText } from "../text-order.js";
import { toCanonicalYaml } from "../canonical-yaml.js";
import { stageDirs, stagesOf, syncWave } from "./stages.js";

/** Within a sync wave, the order in which objects can be applied: what others depend on comes first. */
const KIND_ORDER = [
  "ExternalSecret", "NetworkPolicy", "ConfigMap", "PersistentVolume", "Service", "PodDisruptionBudget", "StatefulSet", "Deployment", "Job",
];

/** Path of an object's file inside its cluster directory: `<kind>-<name>.yaml`, lower case. */
export function objectFileName(object: KubeObject): string {
  return `${object.kind}-${object.metadata.name}.yaml`.toLowerCase();
}

function kindRank(object: KubeObject): number {
  const rank = KIND_ORDER.indexOf(object.kind);
  return rank === -1 ? KIND_ORDER.length : rank;
}

export function applyOrder(a: KubeObject, b: KubeObject): number {
  return syncWave(a) - syncWave(b) || kindRank(a) - kindRank(b) || compareText(a.metadata.name, b.metadata.name);
}

function kustomizationFile(dir: string, resources: readonly string[]): [string, string] {
  return [`${dir}/kustomization.yaml`, toCanonicalYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources })];
}

/**
 * The files of one folder of rendered/, keyed by path under rendered/: one object per file plus a
 * kustomization.yaml that lists them in the given order, so Argo CD, Flux and `kubectl kustomize`
 * read the same set.
 */
export function folderFiles(dir: string, objects: readonly KubeObject[]): [string, string][] {
  const names = objects.map(objectFileName);
  return [...objects.map((object, i): [string, string] => [`${dir}/${names[i]}`, toCanonicalYaml(object)]), kustomizationFile(dir, names)];
}

/** A cluster's folder: its files, and the labels of its start-up stages in order. */
export interface ClusterLayout {
  files: [string, string][];
  stages: string[];
}

/**
 * The files of a cluster's folder, its objects in apply order. With more than one start-up stage,
 * each stage is a folder of its own, and the cluster's kustomization.yaml lists the stage folders:
 * the cluster's folder still builds to every object, for Argo CD and `kubectl kustomize`, while
 * Flux applies the stages one by one.
 */
export function layoutCluster(build: ClusterBuild): ClusterLayout {
  const { outputDir } = build.cluster;
  const stages = stagesOf(build.manifests.map((m) => m.object));
  const labels = stages.map((s) => s.label);
  const dirs = stageDirs(labels);
  if (dirs.length === 0) return { files: folderFiles(outputDir, stages.flatMap((s) => s.objects).sort(applyOrder)), stages: labels };
  const files = stages.flatMap((stage, i) => folderFiles(`${outputDir}/${dirs[i]}`, [...stage.objects].sort(applyOrder)));
  return { files: [...files, kustomizationFile(outputDir, dirs)], stages: labels };
}
