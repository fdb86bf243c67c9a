import { warning, type Finding } from "../diagnostics.js";
import { describeProcedure } from "../engines/shared/procedures.js";
import type { Component } from "../engines/types.js";
import type { Rule } from "./types.js";

/**
 * Scaling a StatefulSet down stops its last pods; members of a Raft group stay in the group's member
 * list and count as down until they are removed, and a store that holds data must hand it over first.
 * Components that need that declare the procedure, and a render that shrinks them below what was last
 * rendered warns at their `replicas` line.
 */
export const scaleDown: Rule = {
  id: "scale-down",
  description: "warns when a component whose members must be removed first has fewer replicas than last rendered",
  level: "warning",
  fix: "remove the members as the runbook section the message names says, then sync",
  run(builds, { clusterStates }) {
    const findings = builds.flatMap((build) => {
      const last = clusterStates.get(build.cluster.name)?.replicas;
      return build.components.flatMap((component) => {
        const before = last?.[component.name];
        return before === undefined ? [] : scaleDownFindings(component, before, component.replicas);
      });
    });
    return { builds, findings };
  },
};

/**
 * The scale-down warning, worded once for the rule (against the recorded state) and the change planner
 * (against the committed StatefulSet): the pods that go, highest ordinal first, and the component's procedure.
 */
export function scaleDownFindings(component: Component, before: number, after: number): Finding[] {
  if (component.scaleDownProcedure === undefined || after >= before) return [];
  const pods = Array.from({ length: before - after }, (_, i) => `${component.workload.name}-${before - 1 - i}`);
  const members = pods.length === 1 ? "member" : `${pods.length} members`;
  return [warning({ ...component.origin, path: [...component.origin.path, "replicas"] }, "scale-down",
    `${component.name}: replicas ${before} -> ${after} stops the last ${members} (${pods.join(", ")}); do this instead: ${describeProcedure(component.scaleDownProcedure(pods))}`)];
}
