import type { Component, Separation } from "../engines/types.js";

/**
 * The separations that hold for a component: every one required when a policy says `antiAffinity:
 * required` (a policy tightens, never loosens); a component of one replica has nothing to keep
 * apart from itself. The anti-affinity rule and the hostPath layout both read these.
 */
export function effectiveSeparations(component: Component, policyRequiresSpread: boolean): Separation[] {
  return component.apart
    .filter(({ from }) => component.replicas > 1 || from.components.some((name) => name !== component.name))
    .map((separation) => (policyRequiresSpread ? { from: separation.from, level: "required" } : separation));
}
