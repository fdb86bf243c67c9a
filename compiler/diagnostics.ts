import { compareText } from "./text-order.js";

/**
 * How bad a finding is: errors fail the run (exit 1), warnings are reported only, notes are findings
 * a policy exception suppressed (lint shows them, so a suppression is never silent).
 */
export type Severity = "error" | "warning" | "note";

/** One finding, located in the spec or policy file that caused it. */
export interface Diagnostic {
  /** Path of the source file, relative to the project root. */
  file: string;
  /** 1-based line and column. */
  line: number;
  col: number;
  severity: Severity;
  ruleId: string;
  message: string;
  /** Other lines that explain the finding: the policy line that set a bound it breaks, the other Service that asks for its node port. */
  related?: RelatedLocation[];
  /** Why a policy exception accepted the finding, when one did (its severity is then "note"). */
  suppression?: Suppression;
}

/** Another line a finding points at, beside its own. */
export interface RelatedLocation {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** The policy exception that accepted a finding. */
export interface Suppression {
  policy: string;
  reason: string;
}

/** A location inside a parsed source document, resolved to line/col by source/locate. */
export interface Origin {
  file: string;
  /** Index of the YAML document inside the file (files may hold several, separated by ---). */
  doc: number;
  /** Path of keys and indexes from the document root to the node, e.g. ["spec", "pd", "replicas"]. */
  path: readonly (string | number)[];
  /** Character offset in the file, for findings that have no node (YAML syntax errors). */
  offset?: number;
}

/** A finding that still needs its location resolved against the parsed source. */
export interface Finding {
  origin: Origin;
  severity: Severity;
  ruleId: string;
  message: string;
  /** Other places that explain it, resolved to Diagnostic.related. */
  related?: { origin: Origin; message: string }[];
  suppression?: Suppression;
}

export function warning(origin: Origin, ruleId: string, message: string): Finding {
  return { origin, severity: "warning", ruleId, message };
}

export function error(origin: Origin, ruleId: string, message: string): Finding {
  return { origin, severity: "error", ruleId, message };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.col - b.col ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

/**
 * `FILE:LINE:COL: error RULE-ID message`, the one-line format every command prints (SPEC.md: one
 * line a diagnostic, so a grep or an editor's problem matcher sees it whole), ending with
 * ` (MESSAGE at FILE:LINE:COL)` for each related location.
 */
export function formatText(d: Diagnostic, displayFile: (file: string) => string = (f) => f): string {
  const related = (d.related ?? []).map((r) => ` (${r.message} at ${displayFile(r.file)}:${r.line}:${r.col})`).join("");
  return `${displayFile(d.file)}:${d.line}:${d.col}: ${d.severity} ${d.ruleId} ${d.message}${related}`;
}
