import { isDeepStrictEqual } from "node:util";
import { isSecretValue, kindOf, masked, within, type FieldPath, type Scope, type Side } from "./mask.js";

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
 * Every leaf that differs between `before` and `after` (two versions of one object), in the order of
 * the before version, fields only the after version has last. A map or list that is new or gone as a
 * whole is one change.
 */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: FieldPath, scope: Scope): void => {
    if (isDeepStrictEqual(a, b)) return;
    const child = (x: unknown, y: unknown, key: string | number) => walk(x, y, [...path, key], within(scope, key, kindOf(y) ?? kindOf(x)));
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) child(a[key], b[key], key);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const named = { before: byName(a), after: byName(b) };
      if (named.before && named.after) {
        for (const name of new Set([...named.before.keys(), ...named.after.keys()])) child(named.before.get(name), named.after.get(name), `name=${name}`);
      } else {
        for (const [i, j] of align(a, b)) child(i === undefined ? undefined : a[i], j === undefined ? undefined : b[j], j ?? i!);
      }
    } else {
      changes.push({
        path: formatPath(path),
        ...(a === undefined ? {} : { before: displayValue(scope, a, "before") }),
        ...(b === undefined ? {} : { after: displayValue(scope, b, "after") }),
      });
    }
  };
  const kind = kindOf(after) ?? kindOf(before);
  walk(before, after, [], { ...(kind ? { kind } : {}), path: [] });
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

/** Beyond this many item pairs in the differing middle of two lists, items pair by position alone. */
const MAX_ALIGNED_PAIRS = 250_000;

/**
 * The items of two lists without names, paired (index before, index after; undefined for an item
 * one side lacks): equal items by their longest common subsequence, the others by position in the
 * gaps between. An item inserted in the middle is then one new item, not a change of every later one.
 */
function align(a: readonly unknown[], b: readonly unknown[]): [number | undefined, number | undefined][] {
  const ka = a.map((item) => JSON.stringify(item));
  const kb = b.map((item) => JSON.stringify(item));
  let start = 0;
  while (start < ka.length && start < kb.length && ka[start] === kb[start]) start++;
  let end = 0;
  while (end < ka.length - start && end < kb.length - start && ka[ka.length - 1 - end] === kb[kb.length - 1 - end]) end++;
  const n = ka.length - start - end;
  const m = kb.length - start - end;
  const anchors: [number, number][] = [];
  if (n * m <= MAX_ALIGNED_PAIRS) {
    // lengths of the longest common subsequence of the middles' suffixes, then one walk to read it
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i]![j] = ka[start + i] === kb[start + j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    for (let i = 0, j = 0; i < n && j < m;) {
      if (ka[start + i] === kb[start + j]) anchors.push([start + i++, start + j++]);
      else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
      else j++;
    }
  }
  anchors.push([ka.length - end, kb.length - end]);
  const pairs: [number | undefined, number | undefined][] = [];
  let i = start;
  let j = start;
  for (const [ai, aj] of anchors) {
    for (; i < ai || j < aj; i++, j++) pairs.push([i < ai ? i : undefined, j < aj ? j : undefined]);
    i = ai + 1;
    j = aj + 1;
  }
  return pairs;
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
function displayValue(scope: Scope, value: unknown, side: Side): string {
  if (isSecretValue(scope, value)) return masked(side);
  const shown = maskedCopy(scope, value, side);
  let text: string;
  if (typeof shown === "string") {
    text = shown.includes("\n") ? `(text, ${shown.replace(/\n$/, "").split("\n").length} lines)` : readsAsItself(shown) ? shown : JSON.stringify(shown);
  } else {
    text = JSON.stringify(shown);
  }
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS - 1) + "…" : text;
}

function maskedCopy(scope: Scope, value: unknown, side: Side): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskedCopy(within(scope, i, kindOf(item)), item, side));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskedCopy(within(scope, k, kindOf(v)), v, side)]));
  return isSecretValue(scope, value) ? masked(side) : value;
}

/** A string that cannot be taken for a number, a boolean, null, empty or padded text when shown bare. */
function readsAsItself(text: string): boolean {
  return text !== "" && text.trim() === text && !/^(true|false|null|~|-?\d[\d.eE+-]*)$/i.test(text);
}
