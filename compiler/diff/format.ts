import type { Diagnostic } from "../diagnostics.js";
import type { FieldChange } from "./fields.js";
import type { Change, DiffReport, ObjectChange, SectionDiff } from "./report.js";

export const CHANGE_MARK: Record<Change, string> = { added: "+", removed: "-", changed: "~" };

/** `StatefulSet shop/orders-mysql`, as kubectl names an object; a document without a name by its id. */
export function objectLabel(o: ObjectChange): string {
  if (o.name === undefined) return o.id;
  return `${o.kind ?? "document"} ${[o.namespace, o.name].filter((p) => p !== undefined).join("/")}`;
}

/** `spec.replicas: 2 -> 5`; `(none)` for the side a field is missing on. */
export function fieldLine(f: FieldChange): string {
  return `${f.path}: ${f.before ?? "(none)"} -> ${f.after ?? "(none)"}`;
}

/** `orders (rendered/shop/orders/)`, or the fleet-wide files. */
export function sectionTitle(s: SectionDiff): string {
  return s.cluster === undefined ? "fleet-wide files (Argo CD, Flux, state files)" : `cluster ${s.cluster} (rendered/${s.dir}/)`;
}

/** `clusters/prod/endgame.yaml:12:15 warning [scale-down] ...`: where a planned warning points, and what to do. */
export function warningLine(w: Diagnostic): string {
  return `${w.file}:${w.line}:${w.col} ${w.severity} [${w.ruleId}] ${w.message}`;
}

/** `changed: 1 added, 0 removed, 2 changed objects` */
export function countsLine(s: SectionDiff): string {
  return `${s.change}: ${s.counts.added} added, ${s.counts.removed} removed, ${s.counts.changed} changed object(s)`;
}

export function baseLine(report: DiffReport): string {
  return `${report.base.ref} (${report.base.commit.slice(0, 12)})`;
}

/** Every changed section, the fleet-wide files last. */
export function sectionsOf(report: DiffReport): SectionDiff[] {
  return [...report.clusters, ...(report.fleet ? [report.fleet] : [])];
}

/** For a terminal: per section its objects with their field changes, then the unified diff of its files. */
export function diffText(report: DiffReport): string {
  const sections = sectionsOf(report);
  if (sections.length === 0) return `no changes against ${baseLine(report)}\n`;
  let text = `changes against ${baseLine(report)}: ${report.clusters.length} cluster(s)${report.fleet ? " and the fleet-wide files" : ""}\n`;
  for (const section of sections) {
    text += `\n${sectionTitle(section)}: ${countsLine(section)}\n`;
    for (const w of section.warnings) text += `  ! ${warningLine(w)}\n`;
    for (const o of section.objects) {
      text += `  ${CHANGE_MARK[o.change]} ${objectLabel(o)}${o.previousFile ? ` (moved from rendered/${o.previousFile})` : ""}\n`;
      for (const f of o.fields) text += `      ${fieldLine(f)}\n`;
    }
    text += "\n" + section.files.map((f) => f.patch).join("");
  }
  return text;
}

/**
 * For scripts: `{ base, clusters: [{ cluster, dir, change, counts, objects: [{ id, kind, namespace,
 * name, file, change, fields: [{ path, before, after }], patch }], warnings: [{ file, line, col, severity, ruleId, message }] }], fleet }`. An object's patch is the
 * unified diff of the file that holds it.
 */
export function diffJson(report: DiffReport): string {
  const section = (s: SectionDiff) => {
    const patches = new Map(s.files.map((f) => [f.file, f.patch]));
    const { files: _, ...rest } = s;
    return { ...rest, objects: s.objects.map((o) => ({ ...o, patch: patches.get(o.file) ?? "" })) };
  };
  return JSON.stringify({ base: report.base, clusters: report.clusters.map(section), fleet: report.fleet ? section(report.fleet) : null }, null, 2) + "\n";
}
