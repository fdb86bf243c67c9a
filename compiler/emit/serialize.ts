import { stringify } from "yaml";

const FIRST_KEYS: Record<"top" | "metadata", readonly string[]> = {
  top: ["apiVersion", "kind", "metadata"],
  metadata: ["name", "namespace", "labels", "annotations"],
};

/**
 * Canonical YAML of one object: apiVersion, kind, metadata first (name, namespace, labels,
 * annotations), every other map in sorted key order, no null or undefined. Strings that a YAML 1.1
 * reader (Go's yaml, behind kubectl, Argo CD and Flux) would take for booleans, numbers or dates are
 * quoted. Same object, same bytes.
 */
export function toCanonicalYaml(object: object): string {
  return stringify(canonical(object, "top"), {
    version: "1.1",
    lineWidth: 0,
    blockQuote: "literal",
    aliasDuplicateObjects: false,
  });
}

function canonical(value: unknown, level?: keyof typeof FIRST_KEYS): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
  const first = level ? FIRST_KEYS[level] : [];
  const rank = (key: string) => (first.includes(key) ? first.indexOf(key) : first.length);
  entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v, level === "top" && k === "metadata" ? "metadata" : undefined)]));
}
