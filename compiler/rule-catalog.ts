import type { Severity } from "./diagnostics.js";
import { NODE_PORT_RULE } from "./node-ports.js";
import { PLACEMENTS_RULE } from "./placement/record.js";
import { RULES } from "./rules/index.js";

/** What a user reads about one rule ID beside its findings (SARIF's tool.driver.rules). */
export interface RuleDoc {
  id: string;
  description: string;
  /** The severity of its findings unless one says otherwise; "none" for a transformer that reports nothing. */
  level: Severity | "none";
  fix?: string;
}

/**
 * The checks of the stages before and after the rules (source, schema, fleet, placement record,
 * validation, fleet-wide ports), which no policy exception can suppress; the README's "Rules and
 * diagnostics" table lists them with the rules, and a test keeps the two alike.
 */
const STAGE_CHECKS: readonly RuleDoc[] = [
  { id: "yaml-syntax", description: "the file is valid YAML", level: "error", fix: "fix the YAML at the position shown" },
  { id: "yaml-duplicate-key", description: "no key appears twice in one YAML mapping", level: "error", fix: "remove or rename one of the keys" },
  { id: "yaml-alias-limit", description: "a document expands at most 100 aliases (stops \"billion laughs\")", level: "error", fix: "write the values out" },
  { id: "source-too-large", description: "a spec or policy file is at most 1 MiB", level: "error", fix: "split the file" },
  { id: "source-encoding", description: "a spec or policy file is UTF-8", level: "error", fix: "re-save the file as UTF-8" },
  { id: "source-symlink", description: "a spec file is no link out of clusters/ (or a policy out of policies/)", level: "error", fix: "move the file in" },
  { id: "source-file-reference", description: "a file a spec names (a Vitess keyspace's schema or VSchema file) exists next to the spec and obeys the same size, encoding and link limits", level: "error", fix: "add the file or fix the path" },
  { id: "source-folder", description: "Policy documents are in policies/, all others in clusters/", level: "error", fix: "move the file" },
  { id: "schema-kind", description: "a document has apiVersion clusterc/v1 and a known kind", level: "error", fix: "fix the header" },
  { id: "schema-unknown-field", description: "a document has only the fields its kind's schema knows (typos are errors)", level: "error", fix: "fix or remove the field" },
  { id: "schema-missing-field", description: "a document has every field its kind's schema requires", level: "error", fix: "add the field" },
  { id: "schema-type", description: "each field has the type its kind's schema says", level: "error", fix: "as the message says" },
  { id: "schema-value", description: "each field's value is one its kind's schema allows", level: "error", fix: "as the message says" },
  { id: "schema-name", description: "names are DNS-1123 labels", level: "error", fix: "use lower-case letters, digits and '-', starting and ending with a letter or digit" },
  { id: "duplicate-name", description: "cluster, pool and policy names are unique across the repository", level: "error", fix: "rename one" },
  { id: "gitops-duplicate", description: "the repository has at most one GitOps document", level: "error", fix: "merge them" },
  { id: "output-path-reserved", description: "a cluster at the top of clusters/ is not named argocd or flux", level: "error", fix: "rename it or move it into a folder" },
  { id: "secret-literal", description: "no literal value where a secret reference belongs; no key, token or credentials-in-URL in any string of a spec or policy", level: "error", fix: "use secretRef or externalSecret" },
  { id: "policy-defaults", description: "policy defaults name components the kind has", level: "error", fix: "fix the component name" },
  { id: "policy-exception", description: "a policy exception names a known rule (an unknown rule is an error) and an existing cluster (an unknown cluster is a warning)", level: "error", fix: "fix the rule ID or the cluster name" },
  { id: "policy-exception-expired", description: "a policy exception has not expired (an expired one suppresses nothing)", level: "error", fix: "fix the finding, or renew the exception with a new date and reason" },
  { id: PLACEMENTS_RULE, description: "rendered/hostpath-placements.yaml can be read and holds no directory twice", level: "error", fix: "git checkout -- rendered/hostpath-placements.yaml and render again" },
  { id: "cluster-state-restore", description: "rendered/cluster-state.yaml can be read and lists each cluster once", level: "error", fix: "git checkout -- rendered/cluster-state.yaml and render again" },
  { id: NODE_PORT_RULE, description: "no node port is asked for by two Services anywhere in the fleet (the API server refuses the second)", level: "error", fix: "give each Service its own nodePorts value, or leave it out" },
  { id: "k8s-schema", description: "every rendered object validates against the Kubernetes OpenAPI schema (and the Argo CD, Flux and External Secrets CRD schemas)", level: "error", fix: "check the spec field named in the message" },
];

/**
 * The change planner's warnings (change-plan.ts) about syncing a change of rendered/: what Kubernetes
 * refuses or what loses data, with the procedure in the message. `scale-down` is a rule's as well.
 */
const PLANNER_CHECKS: readonly RuleDoc[] = [
  { id: "immutable-field", description: "a change of rendered/ does not change a field Kubernetes refuses to update in place", level: "warning", fix: "the procedure in the message" },
  { id: "storage-shrink", description: "no volume gets smaller (a StatefulSet's claim template, a claim)", level: "warning", fix: "keep the size; move the data to a new cluster for smaller volumes" },
  { id: "version-downgrade", description: "no database release goes back where the database cannot start an older release on newer data", level: "warning", fix: "keep the version, or restore a backup into a new cluster" },
  { id: "volume-move", description: "no hostPath volume changes directory or node", level: "warning", fix: "copy the data, recreate the claim and volume, sync" },
];

/** Every rule ID clusterc can report, the rules' own, the stages' checks and the planner's, each once. */
export const RULE_CATALOG: readonly RuleDoc[] = [
  ...STAGE_CHECKS,
  ...PLANNER_CHECKS,
  ...RULES.map(({ id, description, level, fix }) => ({ id, description, level, fix })),
];
