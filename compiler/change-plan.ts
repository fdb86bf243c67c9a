import type {
  V1Container, V1Deployment, V1Job, V1PersistentVolume, V1PersistentVolumeClaim, V1PodTemplateSpec, V1Service, V1StatefulSet,
} from "@kubernetes/client-node";
import { parse } from "yaml";
import { readCanonicalYaml } from "./canonical-yaml.js";
import { warning, type Finding, type Origin } from "./diagnostics.js";
import { ENGINES } from "./engines/index.js";
import { describeProcedure, SYNC_STEP } from "./engines/shared/procedures.js";
import type { ClusterBuild, Component, Engine, KubeObject, Procedure } from "./engines/types.js";
import { foldersOf, type Cluster, type Fleet } from "./fleet/fleet.js";
import { compareQuantities } from "./quantity.js";
import { scaleDownFindings } from "./rules/scale-down.js";

/** One file of rendered/ that a change adds, removes or rewrites: one object, as rendered YAML. */
export interface FileChange {
  /** Path under rendered/. */
  file: string;
  /** Absent: the change adds the file. */
  before?: string;
  /** Absent: the change removes the file. */
  after?: string;
}

/**
 * Warnings for what a sync of the changed files would do that Kubernetes refuses (an immutable field:
 * the sync fails) or that loses data (members stopped before they leave, a smaller volume, an older
 * release on newer data, a volume on another directory), each at the spec line that caused it with the
 * safe procedure. Objects are matched by kind, namespace and name, so one that moved to another stage
 * folder is a change, not a removal and an addition. Reads only the given texts, and a new file's
 * only where its cluster had files before; the procedures come from the engines.
 */
export function planChanges(changes: readonly FileChange[], fleet: Fleet): Finding[] {
  const clusters = new ClusterIndex(fleet);
  const owned = changes.flatMap((change) => {
    const cluster = clusters.owning(change.file);
    return cluster ? [{ change, cluster }] : [];
  });
  // An object changes only in a cluster that had files before: the others' new files are not read.
  const hadFiles = new Set(owned.filter(({ change }) => change.before !== undefined).map(({ cluster }) => cluster.name));
  const pairs = new Map<string, { cluster: Cluster; before?: string; after?: string }>();
  for (const { change, cluster } of owned) {
    if (!hadFiles.has(cluster.name)) continue;
    for (const side of ["before", "after"] as const) {
      const text = change[side];
      const identity = text === undefined ? undefined : identityOf(text);
      if (identity === undefined) continue;
      const key = `${cluster.name}/${identity}`;
      pairs.set(key, { cluster, ...pairs.get(key), [side]: text });
    }
  }
  const findings: Finding[] = [];
  for (const { cluster, before, after } of pairs.values()) {
    if (before === undefined || after === undefined || onlyPodTemplateChanged(before, after)) continue;
    const [old, next] = [objectOf(before), objectOf(after)];
    if (old && next && old.kind === next.kind) findings.push(...CHECKS[next.kind]!(old, next, clusters.context(cluster)));
  }
  return unique(findings);
}

type PlannedObject = KubeObject & { spec?: unknown };

/** What the checks know of a cluster: its spec and what its engine declares, expanded once. */
interface ClusterContext {
  cluster: Cluster;
  engine: Engine;
  build: ClusterBuild;
}

class ClusterIndex {
  private readonly byDir: ReadonlyMap<string, Cluster>;
  private readonly contexts = new Map<string, ClusterContext>();

  constructor(fleet: Fleet) {
    this.byDir = new Map(fleet.clusters.map((c) => [c.outputDir, c]));
  }

  /** The cluster whose folder holds the file (the deepest one: a cluster's folder may sit inside another's path). */
  owning(file: string): Cluster | undefined {
    return foldersOf(file).map((dir) => this.byDir.get(dir)).find((cluster) => cluster !== undefined);
  }

  /** Expanded with the members it bootstraps now: what the checks read (components, origins) does not depend on them. */
  context(cluster: Cluster): ClusterContext {
    let context = this.contexts.get(cluster.name);
    if (!context) {
      const engine = ENGINES[cluster.kind] as Engine;
      context = { cluster, engine, build: engine.expand(cluster, { bootstrap: {} }) };
      this.contexts.set(cluster.name, context);
    }
    return context;
  }
}

/**
 * `kind/namespace/name` of an object of a kind the planner checks, from the canonical header
 * (emit/serialize.ts: kind, then metadata with name and namespace first) without parsing the file;
 * a file that was written otherwise is parsed. Undefined for every other kind.
 */
function identityOf(text: string): string | undefined {
  const kind = /^kind: (\S+)$/m.exec(text)?.[1];
  if (kind === undefined || !(kind in CHECKS)) return undefined;
  const header = /^metadata:\n {2}name: (\S+)\n(?: {2}namespace: (\S+)\n)?/m.exec(text);
  if (header) return `${kind}/${header[2] ?? ""}/${header[1]}`;
  const object = objectOf(text);
  return object && `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** A rendered file's object; read without yaml's parser while it is canonical, as rendered. */
function objectOf(text: string): PlannedObject | undefined {
  const object = (readCanonicalYaml(text) ?? parse(text)) as Partial<PlannedObject> | null;
  return typeof object?.kind === "string" && typeof object.metadata?.name === "string" ? object as PlannedObject : undefined;
}

/**
 * Canonical output nests a workload's pod template under `  template:`, two spaces into `spec`. A
 * policy edit changes the resources in it in every workload of the fleet, and parsing 10,000 such
 * files twice takes seconds. Of a template, the checks read only the images, and whether a Job's
 * changed where nothing recreates the Job: a pair that agrees on everything else needs no full parse.
 */
function onlyPodTemplateChanged(before: string, after: string): boolean {
  const [old, next] = [splitPodTemplate(before), splitPodTemplate(after)];
  if (!old || !next || old.outside !== next.outside || old.images !== next.images) return false;
  if (!/^kind: Job$/m.test(after)) return true;
  const job = objectOf(next.outside);
  return job !== undefined && recreatedOnSync(job);
}

function splitPodTemplate(text: string): { outside: string; images: string } | undefined {
  const lines = text.split("\n");
  const start = lines.indexOf("  template:");
  if (start === -1) return undefined;
  let end = start + 1;
  while (end < lines.length && (lines[end] === "" || lines[end]!.startsWith("   "))) end++;
  return {
    outside: [...lines.slice(0, start), ...lines.slice(end)].join("\n"),
    images: lines.slice(start + 1, end).filter((line) => /^\s+image: /.test(line)).join("\n"),
  };
}

type Check = (before: PlannedObject, after: PlannedObject, context: ClusterContext) => Finding[];

/**
 * Immutable fields, as the API server's update validation has them (kubernetes/kubernetes):
 * pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate ("updates to statefulset spec for
 * fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', ... are forbidden");
 * pkg/registry/apps/deployment/strategy.go ValidateUpdate (a selector is immutable in every API
 * version but apps/v1beta1 and extensions/v1beta1); pkg/apis/batch/validation/validation.go
 * ValidateJobSpecUpdate (template); pkg/apis/core/validation/validation.go ValidateServiceUpdate
 * (clusterIP), ValidatePersistentVolumeUpdate ("spec.persistentvolumesource is immutable after
 * creation", nodeAffinity) and ValidatePersistentVolumeClaimUpdate ("spec is immutable after creation
 * except resources.requests", and requests.storage "can not be less than previous value").
 */
const CHECKS: Readonly<Record<string, Check>> = {
  StatefulSet: (before, after, context) => {
    const [old, next] = [before as V1StatefulSet & PlannedObject, after as V1StatefulSet & PlannedObject];
    const { component, at, findings } = workloadFindings(old, next, context);
    const recreate = orphanAndSync(next);
    findings.push(...claimTemplateFindings(old, next, component, at));
    for (const field of ["serviceName", "podManagementPolicy"] as const) {
      if (differs(old.spec?.[field], next.spec?.[field])) findings.push(immutable(at, next, `spec.${field}`, recreate));
    }
    if (differs(old.spec?.selector, next.spec?.selector)) {
      findings.push(immutable(at, next, "spec.selector", {
        steps: [...recreate.steps, `the new selector does not adopt the old pods: delete them one at a time, each once the one before is ready again (kubectl -n ${namespaceOf(next)} delete pod ${next.metadata.name}-K), and the StatefulSet starts each on its claim`],
      }));
    }
    return findings;
  },
  Deployment: (before, after, context) => {
    const [old, next] = [before as V1Deployment & PlannedObject, after as V1Deployment & PlannedObject];
    const { at, findings } = workloadFindings(old, next, context);
    if (differs(old.spec?.selector, next.spec?.selector)) {
      const oldPods = Object.entries(old.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
      findings.push(immutable(at, next, "spec.selector", {
        steps: [
          `kubectl -n ${namespaceOf(next)} delete deployment ${next.metadata.name} --cascade=orphan (its pods keep serving)`,
          SYNC_STEP,
          `once the new pods are ready: kubectl -n ${namespaceOf(next)} delete replicaset -l ${oldPods}`,
        ],
      }));
    }
    return findings;
  },
  Job: (before, after, context) => {
    const [old, next] = [before as V1Job & PlannedObject, after as V1Job & PlannedObject];
    const findings = versionFindings(old.spec?.template, next.spec?.template, context);
    if (!recreatedOnSync(next) && differs(old.spec?.template, next.spec?.template)) {
      findings.push(immutable(originOf(context, next), next, "spec.template", {
        steps: [`kubectl -n ${namespaceOf(next)} delete job ${next.metadata.name}`, SYNC_STEP],
      }));
    }
    return findings;
  },
  Service: (before, after, context) => {
    const [old, next] = [before as V1Service & PlannedObject, after as V1Service & PlannedObject];
    if (!differs(old.spec?.clusterIP, next.spec?.clusterIP)) return [];
    return [immutable(originOf(context, next), next, `spec.clusterIP (${old.spec?.clusterIP ?? "assigned"} -> ${next.spec?.clusterIP ?? "assigned"})`, {
      steps: [`kubectl -n ${namespaceOf(next)} delete service ${next.metadata.name} (its clients lose it until the sync creates it again, with a new address)`, SYNC_STEP],
    })];
  },
  PersistentVolume: (before, after, context) => volumeFindings(before as V1PersistentVolume & PlannedObject, after as V1PersistentVolume & PlannedObject, context),
  PersistentVolumeClaim: (before, after, context) => {
    const [old, next] = [before as V1PersistentVolumeClaim & PlannedObject, after as V1PersistentVolumeClaim & PlannedObject];
    const at = originOf(context, next);
    const [was, is] = [old.spec?.resources?.requests?.storage, next.spec?.resources?.requests?.storage];
    if (was !== undefined && is !== undefined && compareQuantities(is, was) < 0) {
      return [shrink(at, `PersistentVolumeClaim ${next.metadata.name}`, was, is)];
    }
    if (!differs(withoutStorageRequest(old).spec, withoutStorageRequest(next).spec)) return [];
    return [immutable(at, next, "spec (beyond a larger storage request)", {
      steps: [`kubectl -n ${namespaceOf(next)} delete pvc ${next.metadata.name}, after copying its data out: the claim's volume goes with it unless the volume's reclaim policy is Retain`, SYNC_STEP],
    })];
  },
};

/** What a StatefulSet and a Deployment share: the component behind it, its replicas, its images' release. */
function workloadFindings(
  old: (V1StatefulSet | V1Deployment) & PlannedObject, next: (V1StatefulSet | V1Deployment) & PlannedObject, context: ClusterContext,
): { component?: Component; at: Origin; findings: Finding[] } {
  const component = workloadComponent(context, next);
  return {
    ...(component && { component }),
    at: component?.origin ?? originOf(context, next),
    findings: [
      ...(component ? scaleDownFindings(component, old.spec?.replicas ?? 1, next.spec?.replicas ?? 1) : []),
      ...versionFindings(old.spec?.template, next.spec?.template, context),
    ],
  };
}

/** A claim but its storage request, the one field of its spec a bound claim takes a change of. */
function withoutStorageRequest(claim: V1PersistentVolumeClaim): V1PersistentVolumeClaim {
  const { storage: _storage, ...requests } = claim.spec?.resources?.requests ?? {};
  return { ...claim, spec: { ...claim.spec, resources: { ...claim.spec?.resources, requests } } };
}

/**
 * A StatefulSet's claim templates are immutable too; what to do depends on the change. A larger size
 * resizes nothing by itself (existing claims keep theirs), a smaller one is never possible.
 */
function claimTemplateFindings(old: V1StatefulSet, next: V1StatefulSet & PlannedObject, component: Component | undefined, at: Origin): Finding[] {
  const [was, is] = [old.spec?.volumeClaimTemplates ?? [], next.spec?.volumeClaimTemplates ?? []];
  if (!differs(was, is)) return [];
  const sizeAt = component?.storage ? { ...component.storage.origin, path: [...component.storage.origin.path, "size"] } : at;
  const sizes = (templates: typeof was) => templates.map((t) => t.spec?.resources?.requests?.storage ?? "0");
  const onlySizes = was.length === is.length && !differs(was.map(withoutStorageRequest), is.map(withoutStorageRequest));
  const recreate = orphanAndSync(next);
  if (!onlySizes) {
    return [immutable(component?.storage?.origin ?? at, next, "spec.volumeClaimTemplates", {
      steps: [...recreate.steps, "the existing claims keep their old spec: only claims of new ordinals follow the new template"],
    })];
  }
  const [from, to] = [sizes(was), sizes(is)];
  const shrunk = from.findIndex((size, i) => compareQuantities(to[i]!, size) < 0);
  if (shrunk !== -1) return [shrink(sizeAt, `StatefulSet ${next.metadata.name}`, from[shrunk]!, to[shrunk]!)];
  const grown = from.findIndex((size, i) => compareQuantities(to[i]!, size) > 0);
  return [immutable(sizeAt, next, `spec.volumeClaimTemplates (storage ${from[grown]} -> ${to[grown]})`, {
    steps: [...recreate.steps, resizeStep(is[grown]!, next, to[grown]!, component)],
  })];
}

/**
 * Claims are resized one by one: the API server takes a larger request where the claim's StorageClass
 * sets allowVolumeExpansion. A hostPath volume has no size to grow: its disk is what it is.
 */
function resizeStep(template: V1PersistentVolumeClaim, next: V1StatefulSet & PlannedObject, size: string, component: Component | undefined): string {
  const ns = namespaceOf(next);
  const claims = `${template.metadata?.name}-${next.metadata.name}-K`;
  if (component?.storage?.spec.hostPath !== undefined) {
    return `the claims (${claims}) keep their size: hostPath volumes cannot be resized, the size is only what clusterc reserves in pool ${component.storage.spec.hostPath.pool}; make sure each volume's directory has ${size} free`;
  }
  const storageClass = template.spec?.storageClassName;
  const expands = storageClass === undefined
    ? "the cluster's default StorageClass allows it (kubectl get storageclass: allowVolumeExpansion true)"
    : `StorageClass ${storageClass} allows it (kubectl get storageclass ${storageClass} -o jsonpath='{.allowVolumeExpansion}' prints true)`;
  const replicas = next.spec?.replicas ?? 1;
  return `resize each existing claim, where ${expands}: for K in $(seq 0 ${replicas - 1}); do kubectl -n ${ns} patch pvc ${claims.replace(/K$/, "$K")} -p '{"spec":{"resources":{"requests":{"storage":"${size}"}}}}'; done (where it does not, the claims keep their size)`;
}

/** A hostPath volume on another directory or node starts its pod on an empty directory; any other source change is refused. */
function volumeFindings(old: V1PersistentVolume & PlannedObject, next: V1PersistentVolume & PlannedObject, context: ClusterContext): Finding[] {
  const component = claimComponent(context, next);
  const at = component?.storage?.origin ?? originOf(context, next);
  const source = (pv: V1PersistentVolume) => {
    const { capacity: _capacity, accessModes: _modes, claimRef: _claim, persistentVolumeReclaimPolicy: _policy, storageClassName: _class, mountOptions: _mount, volumeMode: _mode, nodeAffinity: _affinity, volumeAttributesClassName: _attributes, ...rest } = pv.spec ?? {};
    return rest;
  };
  const [wasPath, isPath] = [old.spec?.hostPath?.path, next.spec?.hostPath?.path];
  const [wasNode, isNode] = [hostnameOf(old), hostnameOf(next)];
  const claim = next.spec?.claimRef;
  if (wasPath !== undefined && isPath !== undefined && (wasPath !== isPath || differs(wasNode, isNode))) {
    return [warning({ ...at, path: [...at.path, "hostPath"] }, "volume-move",
      `PersistentVolume ${next.metadata.name} moves from ${wasPath} on node ${wasNode ?? "?"} to ${isPath} on node ${isNode ?? "?"}: the sync fails (a volume's source and node affinity are immutable), and a volume made anew there starts its pod on an empty directory while the data stays behind; do this instead: ${describeProcedure({
        steps: [
          `while the pod of claim ${claim?.name ?? "?"} is stopped, copy ${wasPath} on ${wasNode ?? "?"} to ${isPath} on ${isNode ?? "?"} (rsync -a, as root on the nodes)`,
          `kubectl -n ${claim?.namespace ?? "?"} delete pvc ${claim?.name ?? "?"}; kubectl delete pv ${next.metadata.name} (Retain: the old directory keeps its data)`,
          SYNC_STEP,
        ],
      })}`)];
  }
  const findings: Finding[] = [];
  const recreate: Procedure = {
    steps: [
      `stop the pod of claim ${claim?.name ?? "?"}, then kubectl -n ${claim?.namespace ?? "?"} delete pvc ${claim?.name ?? "?"}; kubectl delete pv ${next.metadata.name} (Retain: the data stays where it was)`,
      SYNC_STEP,
    ],
  };
  if (differs(source(old), source(next))) findings.push(immutable(at, next, "its volume source", recreate));
  if (differs(old.spec?.nodeAffinity, next.spec?.nodeAffinity)) findings.push(immutable(at, next, "spec.nodeAffinity", recreate));
  return findings;
}

/**
 * A database release going back: its images' tags, compared as releases. Only where the engine says
 * which images carry the release; one finding per cluster (the same words for every image).
 */
function versionFindings(old: V1PodTemplateSpec | undefined, next: V1PodTemplateSpec | undefined, { cluster, engine }: ClusterContext): Finding[] {
  const release = engine.release;
  if (!release) return [];
  const tags = (template: V1PodTemplateSpec | undefined) => new Map(containersOf(template).flatMap((c) => {
    const at = c.image?.lastIndexOf(":") ?? -1;
    return at > 0 && release.images.includes(c.image!.slice(0, at)) ? [[c.name, c.image!.slice(at + 1)] as const] : [];
  }));
  const was = tags(old);
  for (const [container, to] of tags(next)) {
    const from = was.get(container);
    if (from === undefined || compareReleases(to, from) >= 0 || release.downgradesInPlace?.(from, to)) continue;
    return [warning({ ...cluster.origin, path: ["spec", release.field] }, "version-downgrade",
      `${release.field} ${from} -> ${to} is a downgrade: ${cluster.kind} does not start an older release on the data a newer one wrote, so each restarted pod would fail or corrupt its data; do this instead: ${describeProcedure(release.downgrade(cluster, from, to))}`)];
  }
  return [];
}

function containersOf(template: V1PodTemplateSpec | undefined): V1Container[] {
  return [...template?.spec?.initContainers ?? [], ...template?.spec?.containers ?? []];
}

/** Releases as numbers, part by part: v7.5.1 < v7.10.0; a suffix after the numbers does not count. */
function compareReleases(a: string, b: string): number {
  const parts = (release: string) => (/^v?(\d+(?:\.\d+)*)/.exec(release)?.[1] ?? "").split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A Job that each sync deletes and creates again never hits its immutable template: an Argo CD hook
 * with BeforeHookCreation, which Flux, having no hooks, matches with force (engines/shared/jobs.ts).
 */
function recreatedOnSync(job: PlannedObject): boolean {
  const annotations = job.metadata.annotations ?? {};
  return (annotations["argocd.argoproj.io/hook-delete-policy"] ?? "").split(",").includes("BeforeHookCreation")
    && annotations["kustomize.toolkit.fluxcd.io/force"] === "enabled";
}

/** Deleting a StatefulSet without its pods, which the next one adopts by their labels; claims are never deleted with it. */
function orphanAndSync(statefulSet: PlannedObject): Procedure {
  return {
    steps: [`kubectl -n ${namespaceOf(statefulSet)} delete statefulset ${statefulSet.metadata.name} --cascade=orphan (its pods keep running, its claims stay)`, SYNC_STEP],
  };
}

function immutable(at: Origin, object: PlannedObject, field: string, procedure: Procedure): Finding {
  return warning(at, "immutable-field",
    `${object.kind} ${object.metadata.name}: ${field} changes, which Kubernetes refuses to update in place, so the sync would fail; do this instead: ${describeProcedure(procedure)}`);
}

function shrink(at: Origin, what: string, from: string, to: string): Finding {
  return warning(at, "storage-shrink",
    `${what}: storage ${from} -> ${to} shrinks volumes, which Kubernetes never does (a claim's request can only grow), so the sync would fail; do this instead: ${describeProcedure({
      steps: [`keep storage.size at ${from}`, `for smaller volumes, move the data into a new cluster of ${to} volumes (backup and restore)`],
    })}`);
}

function workloadComponent({ build }: ClusterContext, object: PlannedObject): Component | undefined {
  return build.components.find((c) => c.workload.kind === object.kind && c.workload.name === object.metadata.name);
}

/** The component whose claims (`<template>-<statefulset>-<ordinal>`) the volume is bound to. */
function claimComponent({ build }: ClusterContext, volume: V1PersistentVolume): Component | undefined {
  const claim = volume.spec?.claimRef?.name ?? "";
  return build.components.find((c) => c.storage && new RegExp(`^${escapeRegExp(`${c.storage.claimTemplate}-${c.workload.name}-`)}\\d+$`).test(claim));
}

/** Where the engine says the object comes from, or the cluster's name when no engine object is it (a rule added it). */
function originOf({ cluster, build }: ClusterContext, object: PlannedObject): Origin {
  return build.manifests.find((m) => m.object.kind === object.kind && m.object.metadata.name === object.metadata.name)?.origin
    ?? { ...cluster.origin, path: ["metadata", "name"] };
}

function hostnameOf(volume: V1PersistentVolume): string | undefined {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  return terms.flatMap((t) => t.matchExpressions ?? []).find((e) => e.key === "kubernetes.io/hostname")?.values?.join(",");
}

function namespaceOf(object: PlannedObject): string {
  return object.metadata.namespace ?? "default";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Compared as data: key order and absent versus undefined do not count. */
function differs(a: unknown, b: unknown): boolean {
  return canonical(a) !== canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
    : v)) ?? "";
}

function unique(findings: readonly Finding[]): Finding[] {
  return [...new Map(findings.map((f) => [JSON.stringify([f.origin, f.ruleId, f.message]), f])).values()];
}
