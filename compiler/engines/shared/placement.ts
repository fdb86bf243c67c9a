import type { PodSet, Separation } from "../types.js";
import { selectorLabels, type ComponentRef } from "./metadata.js";

/** The replicas of one component, as a set to keep apart or to budget. */
export function replicasOf(ref: ComponentRef): PodSet {
  return { name: ref.component, selector: selectorLabels(ref), components: [ref.component] };
}

/** Never on one node with a pod of `set`. */
export function requiredApart(set: PodSet): Separation {
  return { from: set, level: "required" };
}

/** On another node than the pods of `set` where the scheduler can; `weight` 1-100 ranks it among other preferences. */
export function preferredApart(set: PodSet, weight: number): Separation {
  return { from: set, level: "preferred", weight };
}
