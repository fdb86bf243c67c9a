import { error, type Finding } from "../diagnostics.js";
import { containersOf, podSpecOf, podTemplateOf } from "../engines/shared/pods.js";
import type { ClusterBuild, ContainerNeeds, PodSecurityLevel } from "../engines/types.js";
import { describeProvenance } from "../fleet/policy.js";
import { meetsLevel, podSecurityLevel, podSecurityViolations, type PodTemplate } from "./pod-security-standards.js";
import { declaredLevel, needsOf } from "./security-context.js";
import type { Rule } from "./types.js";

const ID = "pod-security";

/**
 * Every rendered pod meets the Pod Security Standards level its engine declared (restricted unless a
 * container says why not) and the level the policies require (baseline unless one says restricted).
 * A pod below restricted that no policy forbids is a warning that says why, so lint always tells.
 */
export const podSecurity: Rule = {
  id: ID,
  description: "every pod meets the Pod Security Standards level its engine declares and the level policies require (rules.podSecurity); pods below restricted are reported with the reason",
  level: "error",
  fix: "fix the container's declaration, or add a policy exception with the reason",
  run(builds) {
    return { builds, findings: builds.flatMap((build) => podSecurityFindings(build, (container) => needsOf(build, container))) };
  },
};

/** The level every pod of the build meets: what its namespace can enforce without refusing one of them. */
export function podsLevel(build: ClusterBuild): PodSecurityLevel {
  const pods = build.manifests.flatMap(({ object }) => {
    const template = podTemplateOf(object);
    return template?.spec ? [{ metadata: template.metadata ?? {}, spec: template.spec }] : [];
  });
  return pods.every((pod) => meetsLevel(podSecurityLevel(pod), "restricted")) ? "restricted" : "baseline";
}

/** The findings on one build's pods, given what its engine declares for each container. */
export function podSecurityFindings(build: ClusterBuild, needsFor: (container: string) => ContainerNeeds | undefined): Finding[] {
  const required = build.cluster.policy.podSecurity;
  const requiredLevel = required?.value ?? "baseline";
  return build.manifests.flatMap(({ object, origin }) => {
    const spec = podSpecOf(object);
    if (!spec) return [];
    const pod: PodTemplate = { metadata: podTemplateOf(object)!.metadata ?? {}, spec };
    const level = podSecurityLevel(pod);
    const needs = containersOf(spec).map((c) => ({ name: c.name, needs: needsFor(c.name) }));
    const declared = declaredLevel(needs.map((n) => n.needs));
    const reasons = needs.flatMap(({ name, needs }) => (needs?.belowRestricted ? [`container ${name}: ${needs.belowRestricted}`] : [])).join("; ");
    const where = `${object.kind} ${object.metadata.name}`;
    if (!meetsLevel(level, declared)) {
      return [error(origin, ID, `${where} does not meet Pod Security Standards "${declared}": ${podSecurityViolations(pod)[declared].join("; ")}; render again, or fix the engine's declarations`)];
    }
    if (!meetsLevel(level, requiredLevel)) {
      return [error(origin, ID, `${where} meets Pod Security Standards "${level}" only (${reasons}), below "${requiredLevel}" required by ${describeProvenance(required!.provenance)}; add a policy exception with the reason, or lower rules.podSecurity for this cluster`)];
    }
    // Allowed, and said where one looks for it (lint), not on every render: a hostPath cluster is here by default.
    if (level === "baseline") {
      return [{ origin, severity: "note" as const, ruleId: ID, message: `${where} meets Pod Security Standards "baseline", not "restricted": ${reasons}` }];
    }
    return [];
  });
}

