import { isDeepStrictEqual } from "node:util";
import { isSecretValue, masked, type FieldPath, type Side } from "./mask.js";

/** One value that differs between two versions of an object, as a reviewer reads it; secrets masked. */
export interface FieldChange {
  /** Dotted, with list items by index or, where every item has a name, by name: `spec.template.spec.containers[name=tikv].image`. */
  path: string;
  /** Absent where the field is new. */
  before?: string;
  /** Absent where the field is gone. */
  after?: string;
}

/** Longer values are shortened; the unified diff next to them has them whole. */
const MAX_VALUE_CHARS = 120;

/**
 * Every leaf that differs between `before` and `after` (two versions of one object of `kind`), in
 * the order of the before version, fields only the after version has last. A map or list that is
 * new or gone as a whole is one change.
 */
export function fieldChanges(kind: unknown, before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: FieldPath): void => {
    if (isDeepStrictEqual(a, b)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...path, key]);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const named = { before: byName(a), after: byName(b) };
      if (named.before && named.after) {
        for (const name of new Set([...named.before.keys(), ...named.after.keys()])) walk(named.before.get(name), named.after.get(name), [...path, `name=${name}`]);
      } else {
        for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...path, i]);
      }
    } else {
      changes.push({
        path: formatPath(path),
        ...(a === undefined ? {} : { before: displayValue(kind, path, a, "before") }),
        ...(b === undefined ? {} : { after: displayValue(kind, path, b, "after") }),
      });
    }
  };
  walk(before, after, []);
  return changes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The items of a list by their name (`name`, or `metadata.name` as a claim template has it), when
 * every item is a map with a name of its own; undefined otherwise.
 */
function byName(items: readonly unknown[]): Map<string, unknown> | undefined {
  const named = new Map<string, unknown>();
  for (const item of items) {
    const name = isRecord(item) ? item.name ?? (isRecord(item.metadata) ? item.metadata.name : undefined) : undefined;
    if (typeof name !== "string" || named.has(name)) return undefined;
    named.set(name, item);
  }
  return items.length > 0 ? named : undefined;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `spec.template.metadata.annotations["argocd.argoproj.io/sync-wave"]`, `containers[0]`, `containers[name=tikv]`. */
export function formatPath(path: FieldPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (segment.startsWith("name=")) text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += (text ? "." : "") + segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text || "(document)";
}

/**
 * A value as one line: scalars as they are (a string in quotes only where it would read as
 * something else), maps and lists as JSON, multi-line text by its line count; every secret-bearing
 * value inside masked.
 */
function displayValue(kind: unknown, path: FieldPath, value: unknown, side: Side): string {
  if (isSecretValue(kind, path, value)) return masked(side);
  const shown = maskedCopy(kind, path, value, side);
  let text: string;
  if (typeof shown === "string") {
    text = shown.includes("\n") ? `(text, ${shown.replace(/\n$/, "").split("\n").length} lines)` : readsAsItself(shown) ? shown : JSON.stringify(shown);
  } else {
    text = JSON.stringify(shown);
  }
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS - 1) + "…" : text;
}

function maskedCopy(kind: unknown, path: FieldPath, value: unknown, side: Side): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskedCopy(kind, [...path, i], item, side));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskedCopy(kind, [...path, k], v, side)]));
  return isSecretValue(kind, path, value) ? masked(side) : value;
}

/** A string that cannot be taken for a number, a boolean, null, empty or padded text when shown bare. */
function readsAsItself(text: string): boolean {
  return text !== "" && text.trim() === text && !/^(true|false|null|~|-?\d[\d.eE+-]*)$/i.test(text);
}
