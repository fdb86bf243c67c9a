import type { V1ResourceRequirements } from "@kubernetes/client-node";
import { error, type Finding } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import type { Resources } from "../fleet/policy.js";
import type { ClusterBuild } from "../engines/types.js";
import { compareQuantities } from "../quantity.js";
import { editManifests } from "./edit.js";
import type { Rule } from "./types.js";

const ID = "resource-defaults";

/** What a container that no engine sized gets: init containers, sidecars and one-shot Jobs are small. */
export const HELPER_RESOURCES: Resources = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};

/** Every container gets requests and limits; a limit below its request is an error on the spec. */
export const resourceDefaults: Rule = {
  id: ID,
  description: "every container has CPU and memory requests and limits, and no limit is below its request",
  run(builds) {
    const sized = builds.map((build) => editManifests(build, (o) => podSpecOf(o) !== undefined, (object) => {
      for (const container of containersOf(podSpecOf(object)!)) container.resources = withDefaults(container.resources);
    }));
    return { builds: sized, findings: sized.flatMap(limitsBelowRequests) };
  },
};

function withDefaults(resources: V1ResourceRequirements | undefined): V1ResourceRequirements {
  return {
    requests: { ...HELPER_RESOURCES.requests, ...resources?.requests },
    limits: { ...HELPER_RESOURCES.limits, ...resources?.limits },
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
