import { error, warning, type Finding } from "./diagnostics.js";
import type { Fleet } from "./fleet/fleet.js";

/**
 * Applies the policies' exceptions: a finding of rule R on cluster C that an unexpired exception
 * covers becomes a note that says who accepted it and why. Exceptions themselves are checked: an
 * unknown rule is an error, an expired one is an error (and suppresses nothing), one for a cluster
 * that does not exist is a warning; one for a cluster that exists but was not compiled (`stopped`:
 * its spec has errors) is not.
 */
export function applyExceptions(findings: readonly Finding[], fleet: Fleet, ruleIds: readonly string[], today: string, stopped: (cluster: string) => boolean = () => false): Finding[] {
  const problems: Finding[] = [];
  for (const policy of fleet.policies) {
    (policy.spec.exceptions ?? []).forEach((exception, i) => {
      const at = (field: string) => ({ ...policy.origin, path: ["spec", "exceptions", i, field] });
      if (!ruleIds.includes(exception.rule)) {
        problems.push(error(at("rule"), "policy-exception", `no rule "${exception.rule}" (rules: ${ruleIds.join(", ")}); fix the rule ID`));
      }
      if (exception.expires < today) {
        problems.push(error(at("expires"), "policy-exception-expired",
          `the exception for ${exception.rule} on cluster ${exception.cluster} expired on ${exception.expires}; fix the finding, or renew the exception with a new date and reason`));
      }
      if (!stopped(exception.cluster) && !fleet.clusters.some((c) => c.name === exception.cluster)) {
        problems.push(warning(at("cluster"), "policy-exception", `no cluster "${exception.cluster}"; remove the exception or fix the name`));
      }
    });
  }
  const suppressed = findings.map((finding) => {
    const cluster = fleet.clusters.find((c) => c.origin.file === finding.origin.file && c.origin.doc === finding.origin.doc);
    const exception = cluster?.policy.exceptions.find((e) => e.rule === finding.ruleId && e.expires >= today);
    if (!exception || finding.severity === "note") return finding;
    return {
      ...finding,
      severity: "note" as const,
      message: `${finding.message} [suppressed by policy ${exception.policy} until ${exception.expires}: ${exception.reason}]`,
      suppression: { policy: exception.policy, reason: exception.reason },
    };
  });
  return [...suppressed, ...problems];
}
