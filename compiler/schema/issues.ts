import type { z } from "zod";
import type { Finding, Origin } from "../diagnostics.js";

type Path = readonly (string | number)[];

/** Maps zod issues, by code, to located findings with a rule ID and a message that names the field. */
export function issuesToFindings(issues: readonly z.core.$ZodIssue[], input: unknown, at: Omit<Origin, "path">): Finding[] {
  return issues.flatMap((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) =>
        finding(at, [...path, key], "schema-unknown-field", `unknown field; remove it or fix its spelling`),
      );
    }
    return [toFinding(issue, path, input, at)];
  });
}

function toFinding(issue: z.core.$ZodIssue, path: Path, input: unknown, at: Omit<Origin, "path">): Finding {
  const params = "params" in issue ? (issue.params as Record<string, string> | undefined) : undefined;
  switch (issue.code) {
    case "invalid_type":
      return valueAt(input, path) === undefined
        ? finding(at, path, "schema-missing-field", `is required (${article(issue.expected)}); add it`)
        : finding(at, path, "schema-type", `must be ${article(issue.expected)}, not ${describeType(valueAt(input, path))}`);
    case "invalid_value":
      return finding(at, path, "schema-value", `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`);
    case "too_small":
      return finding(at, path, "schema-value", issue.origin === "array" ? `needs at least ${issue.minimum} item(s)` : `must be at least ${issue.minimum}`);
    case "too_big":
      return finding(at, path, "schema-value", issue.origin === "array" ? `takes at most ${issue.maximum} item(s)` : `must be at most ${issue.maximum}`);
    case "custom":
      return finding(at, path, params?.ruleId ?? "schema-value", params?.expected ? `must be ${params.expected}` : issue.message);
    case "invalid_format":
      return finding(at, path, "schema-value", `must be ${issue.format}`);
    default:
      return finding(at, path, "schema-value", issue.message);
  }
}

function finding(at: Omit<Origin, "path">, path: Path, ruleId: string, message: string): Finding {
  const field = path.length > 0 ? `${formatPath(path)}: ` : "";
  return { origin: { ...at, path }, severity: "error", ruleId, message: field + message };
}

/** `spec.nodes[0].name`: how a reader writes a field's place in a document. */
export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return `a ${typeof value}`;
}

function article(expected: string): string {
  const names: Record<string, string> = { object: "a map", array: "a list", number: "a number", string: "a string", boolean: "true or false", int: "an integer" };
  return names[expected] ?? expected;
}
