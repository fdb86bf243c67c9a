import type { V1ResourceRequirements } from "@kubernetes/client-node";
import type { ResourcesSpec } from "../../schema/common.js";

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Built-in engine defaults < the spec's overrides, value by value. */
export function effectiveResources(defaults: Resources, override: ResourcesSpec | undefined): V1ResourceRequirements {
  return {
    requests: { ...defaults.requests, ...override?.requests },
    limits: { ...defaults.limits, ...override?.limits },
  };
}
