import { lstatSync, readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import type { Finding } from "../diagnostics.js";
import { readCanonicalYaml } from "../canonical-yaml.js";
import { issuesToFindings } from "../schema/issues.js";
import { readCached, type SourceFile } from "../source/load.js";
import { ParseCache } from "../source/parse-cache.js";

/**
 * A file under rendered/ that `render` writes and the next render reads back, so what it decided once
 * stays decided (hostPath placements, the members a cluster bootstrapped with). It is committed with
 * the rest of rendered/ and never edited by hand.
 */
export interface StateFile<T> {
  /** Path from the project root, e.g. rendered/hostpath-placements.yaml. */
  file: string;
  /** The `kind` of its one document. */
  kind: string;
  schema: z.ZodType<T>;
  /** Rule ID of a file that cannot be read; the fix is always to get back the file clusterc wrote. */
  rule: string;
}

export interface LoadedState<T> {
  /** The parsed file, so findings can point into it; empty before the first render. */
  files: Map<string, SourceFile>;
  /** Absent when there is no file, or when it cannot be read (then `findings` says why). */
  document?: { value: T; index: number };
  findings: Finding[];
}

/** Reads a state file through the parse cache; no file is a first render. */
export function loadStateFile<T>(root: string, state: StateFile<T>, cache = new ParseCache()): LoadedState<T> {
  const absolute = path.join(root, state.file);
  const syntax: Finding[] = [];
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  const source = readCached(absolute, state.file, stats, syntax, cache, () => readIfPresent(absolute), asWritten);
  return source ? checked(state, source, syntax, cache) : { files: new Map(), findings: [] };
}

/**
 * The document of a state file as `render` writes it (its comment, then canonical YAML), read
 * without yaml's parser: the placements of 1,000 clusters are 16,000 lines, which took yaml's
 * parser a tenth of a second. Anything else, such as a hand edit, is parsed and located as any
 * file is.
 */
function asWritten(text: string): unknown {
  return readCanonicalYaml(text.replace(/^(?:#.*\n)*/, ""));
}

/** The file's text; undefined when there is none (a dangling link counts as none). */
function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Validates the parsed file; `syntax` holds its YAML errors. */
function checked<T>(state: StateFile<T>, source: SourceFile, syntax: Finding[], cache: ParseCache): LoadedState<T> {
  const files = new Map([[state.file, source]]);
  const restore = `${state.file} is written by clusterc render, never by hand: restore it from git (git checkout -- ${state.file}) and render again`;
  const unreadable = (findings: Finding[]): LoadedState<T> => ({
    files,
    findings: findings.map((f) => ({ ...f, ruleId: state.rule, message: `${f.message}. ${restore}` })),
  });
  if (syntax.length > 0) return unreadable(syntax);
  const [document, ...extra] = source.documents;
  if (document === undefined || extra.length > 0) {
    return unreadable([{ origin: { file: state.file, doc: extra[0]?.index ?? 0, path: [] }, severity: "error", ruleId: state.rule,
      message: `must hold exactly one document (kind ${state.kind}), not ${source.documents.length}` }]);
  }
  const known = document.checked as T | undefined;
  const result = known !== undefined ? { success: true as const, data: known } : state.schema.safeParse(document.value);
  if (!result.success) return unreadable(issuesToFindings(result.error.issues, document.value, { file: state.file, doc: document.index }));
  cache.rememberChecked([{ source: document, document: result.data }]);
  return { files, document: { value: result.data, index: document.index }, findings: [] };
}
