import { isMap, isScalar, isSeq, parseAllDocuments, type Scalar } from "yaml";
import { secretIn } from "../secret-patterns.js";

/** A key or index on the way from an object's root to one of its values. */
export type FieldPath = readonly (string | number)[];

export type Side = "before" | "after";

/** What a secret value is shown as: never the value, only the side it is on. */
export function masked(side: Side): string {
  return `*** (${side})`;
}

/** A secret value present on both sides of a file (unchanged): shown the same on both. */
const UNCHANGED_SECRET = "***";

/**
 * Where a value sits: in the innermost object that names its kind (a Secret inside a List is a
 * Secret), at a path from that object.
 */
export interface Scope {
  kind?: string;
  path: FieldPath;
}

/** The kind a value names, when it is an object with a `kind`. */
export function kindOf(value: unknown): string | undefined {
  const kind = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" ? kind : undefined;
}

/** The scope of the value under `key` of a value in `scope`; `kind` is what that value names, if anything. */
export function within(scope: Scope, key: string | number, kind: string | undefined): Scope {
  return kind === undefined ? { ...scope, path: [...scope.path, key] } : { kind, path: [] };
}

/**
 * Whether a value is secret-bearing: any value of a Secret's data or stringData, or any text
 * secret-patterns takes for a secret. Rendered manifests hold references only, but a base may hold
 * anything that was committed.
 */
export function isSecretValue({ kind, path }: Scope, value: unknown): boolean {
  if (kind === "Secret" && path.length >= 2 && (path[0] === "data" || path[0] === "stringData")) return true;
  return typeof value === "string" && secretIn(value) !== undefined;
}

interface SecretSpan {
  start: number;
  end: number;
  value: string;
}

/**
 * The two texts of a changed file with every secret-bearing scalar replaced in place, so a unified
 * diff of them keeps its lines and shows no secret: `*** (before)` / `*** (after)` where the value
 * is on one side only, `***` where it is on both (an unchanged secret is no change).
 */
export function maskTexts(before: string | undefined, after: string | undefined): { before?: string; after?: string } {
  const spans = { before: before === undefined ? [] : secretSpans(before), after: after === undefined ? [] : secretSpans(after) };
  const values = { before: new Set(spans.before.map((s) => s.value)), after: new Set(spans.after.map((s) => s.value)) };
  const replace = (text: string, side: Side): string => {
    const other = values[side === "before" ? "after" : "before"];
    let result = "";
    let at = 0;
    for (const span of spans[side]) {
      result += text.slice(at, span.start) + (other.has(span.value) ? UNCHANGED_SECRET : masked(side));
      at = span.end;
    }
    return result + text.slice(at);
  };
  return {
    ...(before === undefined ? {} : { before: replace(before, "before") }),
    ...(after === undefined ? {} : { after: replace(after, "after") }),
  };
}

/** Where the secret-bearing scalars of a YAML text are, in text order. A text YAML cannot read is masked line by line. */
function secretSpans(text: string): SecretSpan[] {
  if (holdsNoSecret(text)) return [];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) return secretLines(text);
  const spans: SecretSpan[] = [];
  const add = (scalar: Scalar, scope: Scope) => {
    if (!scalar.range || !isSecretValue(scope, scalar.value)) return;
    let end = scalar.range[1];
    while (text[end - 1] === "\n") end--; // a block scalar's range takes its last line break, which the next line needs
    spans.push({ start: scalar.range[0], end, value: String(scalar.value) });
  };
  const visit = (node: unknown, scope: Scope): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        // a key is no value of its object, but one that looks like a secret is masked all the same
        if (isScalar(pair.key)) add(pair.key, { path: [] });
        visit(pair.value, within(scope, String(isScalar(pair.key) ? pair.key.value : pair.key), namedKind(pair.value)));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, within(scope, i, namedKind(item))));
    } else if (isScalar(node)) {
      add(node, scope);
    }
  };
  for (const document of documents) visit(document.contents, { ...(namedKind(document.contents) ? { kind: namedKind(document.contents)! } : {}), path: [] });
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * Whether a text certainly holds no secret-bearing scalar, told without parsing it (a large state
 * file costs a YAML parse of hundreds of milliseconds): it names no Secret, and the patterns find
 * nothing in it. Without escape sequences every scalar's value is its text, or lines of it joined,
 * so a pattern that finds nothing in the whole text finds nothing in any value.
 */
function holdsNoSecret(text: string): boolean {
  return !text.includes("Secret") && !text.includes("\\") && secretIn(text) === undefined;
}

/** The kind a YAML map names. */
function namedKind(node: unknown): string | undefined {
  const kind = isMap(node) ? node.get("kind") : undefined;
  return typeof kind === "string" ? kind : undefined;
}

/** Every line that holds text secret-patterns takes for a secret, from its first non-blank character to its end. */
function secretLines(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  let start = 0;
  for (const line of text.split("\n")) {
    if (secretIn(line) !== undefined) {
      const indent = line.length - line.trimStart().length;
      spans.push({ start: start + indent, end: start + line.length, value: line.trim() });
    }
    start += line.length + 1;
  }
  return spans;
}
