import { warning } from "../diagnostics.js";
import type { Rule } from "./types.js";

/**
 * Scaling a StatefulSet down stops its last pods; members of a Raft group stay in the group's member
 * list and count as down until they are removed, and a store that holds data must hand it over first.
 * Components that need that say where the procedure is, and a render that shrinks them below what
 * was last rendered warns at their `replicas` line.
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
        if (component.scaleDownProcedure === undefined || before === undefined || component.replicas >= before) return [];
        const gone = before - component.replicas;
        return [warning({ ...component.origin, path: [...component.origin.path, "replicas"] }, "scale-down",
          `${component.name}: replicas ${before} -> ${component.replicas} stops the last ${gone === 1 ? "member" : `${gone} members`} without removing ${gone === 1 ? "it" : "them"} from the cluster; remove ${gone === 1 ? "it" : "them"} first as ${component.scaleDownProcedure} describes, then sync this change`)];
      });
    });
    return { builds, findings };
  },
};
