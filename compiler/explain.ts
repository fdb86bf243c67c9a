import type { Origin } from "./diagnostics.js";
import type { Cluster } from "./fleet/fleet.js";
import type { Effective, Provenance } from "./fleet/policy.js";

type Locate = (origin: Origin) => { line: number; col: number };

/**
 * What `clusterc explain CLUSTER` prints: every effective setting of a cluster and the layer that
 * set it (built-in, a policy, or the spec), with the file and line to change it.
 */
export function explainCluster(cluster: Cluster, locate: Locate): string {
  const where = (provenance: Provenance) => {
    if (provenance.from === "built-in") return "built-in";
    const { line, col } = locate(provenance.origin);
    const layer = provenance.from === "policy" ? `policy ${provenance.policy}` : "spec";
    return `${layer} (${provenance.origin.file}:${line}:${col})`;
  };
  const row = (name: string, setting: Effective<unknown> | undefined, fallback: string) =>
    `  ${name.padEnd(34)} ${(setting ? format(setting.value) : fallback).padEnd(28)} ${setting ? where(setting.provenance) : "built-in"}`;
  const { policy } = cluster;
  const lines = [
    `${cluster.kind} ${cluster.name} (namespace ${cluster.namespace}, ${cluster.origin.file})`,
    `policies: ${policy.policies.length > 0 ? policy.policies.join(", ") : "none select it"}`,
    "resources:",
    ...Object.entries(policy.resources).flatMap(([component, layers]) =>
      (["requests", "limits"] as const).flatMap((side) => (["cpu", "memory"] as const).map((name) =>
        row(`${component} ${side}.${name}`, layers[side][name], "")))),
    "rules:",
    row("antiAffinity", policy.antiAffinity, "quorum required, others preferred"),
    row("images.forbidTags", policy.forbidTags, "[latest]"),
    row("images.allowedRegistries", policy.allowedRegistries, "any"),
    row("hostPath.allowedPrefixes", policy.allowedPrefixes, "any safe path"),
    row("resources.min.cpu", policy.minimum.cpu, "none"),
    row("resources.min.memory", policy.minimum.memory, "none"),
    row("resources.max.cpu", policy.maximum.cpu, "none"),
    row("resources.max.memory", policy.maximum.memory, "none"),
    row("resources.maxLimitRequestRatio", policy.maxLimitRequestRatio, "none"),
    row("podSecurity", policy.podSecurity, "baseline"),
    row("hostPathChown", policy.hostPathChown, "true"),
    row("networkPolicies.monitoring", policy.monitoring, "none"),
    "exceptions:",
    ...(policy.exceptions.length === 0
      ? ["  none"]
      : policy.exceptions.map((e) => `  ${e.rule.padEnd(34)} until ${e.expires.padEnd(22)} ${where({ from: "policy", policy: e.policy, origin: e.origin })}: ${e.reason}`)),
  ];
  return lines.join("\n") + "\n";
}

function format(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(", ")}]`;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
