import type { V1ResourceRequirements } from "@kubernetes/client-node";
import { error, type Finding } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import { HELPERS, resourceValues, type Resources } from "../fleet/policy.js";
import type { ClusterBuild } from "../engines/types.js";
import { compareQuantities } from "../quantity.js";
import { editManifests } from "./edit.js";
import type { Rule } from "./types.js";

const ID = "resource-defaults";

/**
 * Every container gets requests and limits: one that no engine sized (init containers, sidecars,
 * hook Jobs) gets the cluster's layered helpers resources. A limit below its request is an error on the spec.
 */
export const resourceDefaults: Rule = {
  id: ID,
  description: "every container has CPU and memory requests and limits, and no limit is below its request",
  level: "error",
  fix: "raise the limit or lower the request in spec.<component>.resources",
  run(builds) {
    const sized = builds.map((build) => {
      const helpers = resourceValues(build.cluster.policy.resources[HELPERS.component]!);
      return editManifests(build, (o) => podSpecOf(o) !== undefined, (object) => {
        for (const container of containersOf(podSpecOf(object)!)) container.resources = withDefaults(container.resources, helpers);
      });
    });
    return { builds: sized, findings: sized.flatMap(limitsBelowRequests) };
  },
};

function withDefaults(resources: V1ResourceRequirements | undefined, helpers: Resources): V1ResourceRequirements {
  return {
    requests: { ...helpers.requests, ...resources?.requests },
    limits: { ...helpers.limits, ...resources?.limits },
  };
}

function limitsBelowRequests(build: ClusterBuild): Finding[] {
  return build.manifests.flatMap(({ object, origin }) => {
    const pod = podSpecOf(object);
    if (!pod) return [];
    return containersOf(pod).flatMap((container) =>
      (["cpu", "memory"] as const).flatMap((resource) => {
        const request = container.resources!.requests![resource]!;
        const limit = container.resources!.limits![resource]!;
        if (compareQuantities(limit, request) >= 0) return [];
        return [error({ ...origin, path: [...origin.path, "resources"] }, ID,
          `${object.kind} ${object.metadata.name}, container ${container.name}: limits.${resource} ${limit} is below requests.${resource} ${request}; raise the limit or lower the request`)];
      }),
    );
  });
}
