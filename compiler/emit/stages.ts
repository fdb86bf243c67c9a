import { SYNC_WAVE } from "../engines/shared/metadata.js";
import type { KubeObject } from "../engines/types.js";
import { compareText } from "../text-order.js";

const HOOK = "argocd.argoproj.io/hook";
const COMPONENT = "app.kubernetes.io/component";
/**
 * The Argo CD hooks that have a place in the start-up order: PreSync hooks run before every wave,
 * PostSync hooks once every wave is healthy, so each gets a stage of its own. A Sync hook runs in
 * its wave, like any object.
 */
const HOOK_STAGES: Readonly<Record<string, { rank: number; label: string }>> = {
  PreSync: { rank: -Infinity, label: "pre-sync" },
  PostSync: { rank: Infinity, label: "post-sync" },
};

/**
 * A start-up stage of a cluster: the objects Argo CD applies in one sync wave, or its PreSync or
 * PostSync hooks. Flux, which has no waves, applies one stage after another (gitops/flux.ts).
 */
export interface Stage {
  /** Names the stage: the components of its objects, e.g. "pd", or "pre-sync" and "post-sync" for hooks. */
  label: string;
  objects: KubeObject[];
}

/** The object's Argo CD sync wave; 0 without one, as Argo CD takes it. */
export function syncWave(object: KubeObject): number {
  return Number(object.metadata.annotations?.[SYNC_WAVE] ?? 0);
}

function rankOf(object: KubeObject): number {
  const hook = object.metadata.annotations?.[HOOK];
  if (hook === undefined || hook === "Sync") return syncWave(object);
  const stage = HOOK_STAGES[hook];
  if (stage === undefined) throw new Error(`layout bug: ${object.kind} ${object.metadata.name} is an Argo CD ${hook} hook, which has no start-up stage`);
  return stage.rank;
}

function labelOf(rank: number, objects: readonly KubeObject[]): string {
  const hookStage = Object.values(HOOK_STAGES).find((stage) => stage.rank === rank);
  if (hookStage) return hookStage.label;
  const components = objects.map((o) => {
    const component = o.metadata.labels?.[COMPONENT];
    if (component === undefined) throw new Error(`layout bug: ${o.kind} ${o.metadata.name} has no ${COMPONENT} label`);
    return component;
  });
  return [...new Set(components)].sort(compareText).join("-");
}

/**
 * The cluster's objects by stage, in the order they start: from what the engines and rules already
 * declare (the sync wave of each object, its hook), never from the kind of cluster.
 */
export function stagesOf(objects: readonly KubeObject[]): Stage[] {
  const byRank = new Map<number, KubeObject[]>();
  for (const object of objects) {
    const rank = rankOf(object);
    byRank.set(rank, [...byRank.get(rank) ?? [], object]);
  }
  const stages = [...byRank].sort(([a], [b]) => a - b).map(([rank, members]) => ({ label: labelOf(rank, members), objects: members }));
  const labels = stages.map((s) => s.label);
  if (new Set(labels).size !== labels.length) throw new Error(`layout bug: two stages share a label (${labels.join(", ")}); keep each component in one sync wave`);
  return stages;
}

/**
 * The stage folders inside the cluster's folder, e.g. ["0-pd", "1-tikv", "2-tidb", "3-post-sync"]:
 * the position first, so they list in start-up order, then the label. None when there is one stage:
 * its objects stay at the top of the cluster's folder.
 */
export function stageDirs(labels: readonly string[]): string[] {
  if (labels.length < 2) return [];
  const width = String(labels.length - 1).length;
  return labels.map((label, i) => `${String(i).padStart(width, "0")}-${label}`);
}
