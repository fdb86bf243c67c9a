import { CHANGE_MARK, countsLine, fieldLine, objectLabel, sectionsOf } from "./format.js";
import type { DiffReport, SectionDiff } from "./report.js";

/** First line of every diff comment: what a workflow finds to update its one sticky comment. */
export const MARKER = "<!-- clusterc-diff -->";

/**
 * GitHub refuses a comment body over 65,536 characters ("Body is too long (maximum is 65536
 * characters)", quoted in danger/danger#424 and googleapis/release-please#1034); a JavaScript
 * string's length counts UTF-16 units, never fewer than characters.
 */
export const MARKDOWN_LIMIT = 65_000;

/** What a summarised comment leaves out, most detailed first: each level also drops what the ones before it dropped. */
const LEVELS = ["nothing", "unified diffs", "field changes", "object lists"] as const;
type Level = (typeof LEVELS)[number];

/**
 * One pull-request comment of at most `limit` characters. When the whole report is longer, it is
 * summarised: unified diffs go first, then field changes, then object lists; every changed cluster
 * stays listed with its counts while that fits, and the comment says what it cut and how to see all.
 */
export function diffMarkdown(report: DiffReport, limit = MARKDOWN_LIMIT): string {
  const command = `clusterc diff --base ${report.base.ref}`;
  for (const level of LEVELS) {
    const text = comment(report, level, command);
    if (text.length < limit) return text;
  }
  return countsOnly(report, command, limit);
}

function heading(report: DiffReport): string {
  const sections = sectionsOf(report);
  const what = sections.length === 0 ? "no rendered change" : `${report.clusters.length} cluster(s) changed${report.fleet ? ", and the fleet-wide files" : ""}`;
  const rendered = report.base.rendered ? ` (its rendered/ ${report.base.rendered === "missing" ? "is missing" : "lacks a cluster its specs define"}: rendered from its specs)` : "";
  return `${MARKER}\n## clusterc diff\n\nAgainst ${code(report.base.ref)} (${code(report.base.commit.slice(0, 12))})${rendered}: ${what}.\n`;
}

function cutNote(level: Level, command: string): string {
  return level === "nothing" ? "" : `\n> This comment is summarised to fit a pull-request comment: ${cutList(level)} are cut. Run ${code(command)} locally to see all.\n`;
}

function cutList(level: Level): string {
  return LEVELS.slice(1, LEVELS.indexOf(level) + 1).join(", ");
}

function comment(report: DiffReport, level: Level, command: string): string {
  return heading(report) + cutNote(level, command) + sectionsOf(report).map((s) => section(s, level)).join("");
}

function title(s: SectionDiff): string {
  return s.cluster === undefined ? "Fleet-wide files (Argo CD, Flux, state files)" : `${code(s.cluster)} ${code(`rendered/${s.dir}/`)}`;
}

function section(s: SectionDiff, level: Level): string {
  let text = `\n### ${title(s)}\n\n${countsLine(s)}\n` + warnings(s);
  if (level === "object lists") return text;
  text += "\n";
  for (const o of s.objects) {
    text += `- ${CHANGE_MARK[o.change]} ${o.change} ${code(objectLabel(o))}${o.previousFile ? ` (moved from ${code(`rendered/${o.previousFile}`)})` : ""}\n`;
    if (level === "field changes") continue;
    for (const f of o.fields) text += `  - ${code(fieldLine(f))}\n`;
  }
  if (level !== "nothing" || s.files.length === 0) return text;
  const patch = s.files.map((f) => f.patch).join("");
  return text + `\n<details><summary>Unified diff (${s.files.length} file(s))</summary>\n\n${fence(patch, "diff")}\n</details>\n`;
}

/** The last resort: one line per section, as many as fit, and how many more there are. */
function countsOnly(report: DiffReport, command: string, limit: number): string {
  let text = heading(report) + cutNote("object lists", command) + "\n";
  const sections = sectionsOf(report);
  for (const [i, s] of sections.entries()) {
    const line = `- ${title(s)}: ${countsLine(s)}\n` + warnings(s);
    const rest = `- … and ${sections.length - i} more; run ${code(command)} to see them\n`;
    if (text.length + line.length + rest.length >= limit) return text + rest;
    text += line;
  }
  return text;
}

/** The planner's warnings, which a summary never cuts: they say what to do before this change syncs. */
function warnings(s: SectionDiff): string {
  return s.warnings.map((w) => `\n> [!WARNING]\n> ${code(w.ruleId)} at ${code(`${w.file}:${w.line}:${w.col}`)}: ${w.message}\n`).join("");
}

/** Inline code that holds any text: a longer run of backticks than the text has. */
function code(text: string): string {
  const ticks = "`".repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  const pad = ticks.length > 1 || text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** A fenced code block that holds any text: a fence longer than any run of backticks inside. */
function fence(text: string, language: string): string {
  const ticks = "`".repeat(Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${ticks}${language}\n${text.endsWith("\n") ? text : text + "\n"}${ticks}\n`;
}
