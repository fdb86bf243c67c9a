import type { Diagnostic, Finding, Origin } from "../diagnostics.js";
import type { SourceFile } from "./load.js";

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
  return source.lines().linePos(origin.offset ?? source.offsetOf(origin.doc, origin.path));
}

/**
 * The findings with the offset of each node they point at in `source` resolved, so they can be
 * located again without parsing the file, for as long as it keeps the same text.
 */
export function withOffsets(findings: readonly Finding[], source: SourceFile): Finding[] {
  return findings.map((f) => (f.origin.file !== source.file || f.origin.offset !== undefined ? f : { ...f, origin: { ...f.origin, offset: source.offsetOf(f.origin.doc, f.origin.path) } }));
}
