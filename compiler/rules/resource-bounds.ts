import { error, type Finding } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import type { ClusterBuild } from "../engines/types.js";
import { describeProvenance, HELPERS, type Effective } from "../fleet/policy.js";
import { compareQuantities, quantityValue } from "../quantity.js";
import type { Rule } from "./types.js";

const ID = "resource-bounds";
const NAMES = ["cpu", "memory"] as const;
/** Where a container's resources are set, whichever container it is: the end of every remedy. */
const KNOBS = `in the spec (its component's \`resources\`; \`spec.${HELPERS.specPath.join(".")}.resources\` for init containers, sidecars and Jobs) or in a policy's \`defaults\``;

/** The policy line that set a bound, for a finding to point at beside the container's spec line. */
function boundSetAt(bound: Effective<unknown>): Finding["related"] {
  return bound.provenance.from === "built-in" ? undefined : [{ origin: bound.provenance.origin, message: "policy bound set" }];
}

/** Policy bounds, checked on what every container ends up with after all defaults are applied. */
export const resourceBounds: Rule = {
  id: ID,
  description: "container requests and limits stay within the bounds policies set: minimum request, maximum limit, limit/request ratio",
  level: "error",
  fix: "change the spec or policy value the message names",
  run(builds) {
    return { builds, findings: builds.flatMap(boundFindings) };
  },
};

function boundFindings(build: ClusterBuild): Finding[] {
  const { minimum, maximum, maxLimitRequestRatio } = build.cluster.policy;
  return build.manifests.flatMap(({ object, origin }) => {
    const pod = podSpecOf(object);
    if (!pod) return [];
    const at = { ...origin, path: [...origin.path, "resources"] };
    return containersOf(pod).flatMap((container) => NAMES.flatMap((name) => {
      const where = `${object.kind} ${object.metadata.name}, container ${container.name}`;
      const request = container.resources!.requests![name]!;
      const limit = container.resources!.limits![name]!;
      const min = minimum[name];
      const max = maximum[name];
      const found: Finding[] = [];
      const breaks = (bound: Effective<unknown>, message: string) => found.push({ ...error(at, ID, `${message} ${KNOBS}`), related: boundSetAt(bound) });
      if (min && compareQuantities(request, min.value) < 0) {
        breaks(min, `${where}: requests.${name} ${request} is below the minimum ${min.value} set by ${describeProvenance(min.provenance)}; raise the request`);
      }
      if (max && compareQuantities(limit, max.value) > 0) {
        breaks(max, `${where}: limits.${name} ${limit} is above the maximum ${max.value} set by ${describeProvenance(max.provenance)}; lower the limit`);
      }
      const ratio = quantityValue(limit) / quantityValue(request);
      if (maxLimitRequestRatio && ratio > maxLimitRequestRatio.value) {
        breaks(maxLimitRequestRatio, `${where}: limits.${name} ${limit} is ${ratio.toFixed(1)}x requests.${name} ${request}, over the ratio ${maxLimitRequestRatio.value} set by ${describeProvenance(maxLimitRequestRatio.provenance)}; raise the request or lower the limit`);
      }
      return found;
    }));
  });
}
