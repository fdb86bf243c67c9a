import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import type { Diagnostic, Finding, Origin } from "../diagnostics.js";
import type { SourceFile } from "./load.js";

/**
 * Resolves the character offset of the node at `path`. When the path runs past what the document
 * holds (a missing field), it stops at the deepest node that exists, so the user lands on the
 * object that lacks the field. A map entry is located at its key, where a reader looks for it.
 */
export function offsetOf(document: Document.Parsed, path: readonly (string | number)[]): number {
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    node = resolveAlias(document, node);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function resolveAlias(document: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/** Turns findings into located diagnostics. Findings for files that were never parsed land on 1:1. */
export function locateFindings(findings: readonly Finding[], files: ReadonlyMap<string, SourceFile>): Diagnostic[] {
  return findings.map(({ origin, severity, ruleId, message, related, suppression }) => {
    const located: Diagnostic = { file: origin.file, ...locateOrigin(origin, files), severity, ruleId, message };
    if (related) located.related = related.map((r) => ({ file: r.origin.file, ...locateOrigin(r.origin, files), message: r.message }));
    if (suppression) located.suppression = suppression;
    return located;
  });
}

export function locateOrigin(origin: Origin, files: ReadonlyMap<string, SourceFile>): { line: number; col: number } {
  const source = files.get(origin.file);
  if (!source) return { line: 1, col: 1 };
  return source.lines().linePos(origin.offset ?? offsetIn(source, origin));
}

/**
 * The findings with the offset of each node they point at in `source` resolved, so they can be
 * located again without parsing the file, for as long as it keeps the same text.
 */
export function withOffsets(findings: readonly Finding[], source: SourceFile): Finding[] {
  return findings.map((f) => (f.origin.file !== source.file || f.origin.offset !== undefined ? f : { ...f, origin: { ...f.origin, offset: offsetIn(source, f.origin) } }));
}

function offsetIn(source: SourceFile, origin: Origin): number {
  const document = source.syntax().documents[origin.doc];
  return document ? offsetOf(document, origin.path) : 0;
}
