import { lstatSync, type Stats } from "node:fs";
import path from "node:path";
import { textDigest } from "../cache.js";
import type { Finding, Origin } from "../diagnostics.js";
import { MAX_ALIAS_COUNT, parseSyntax, readSourceText, syntaxFindings, type SourceFile } from "./load.js";
import { documentOffsets } from "./offsets.js";

/** A file a document names (a Vitess keyspace's `schema: { file }`), and what it must hold. */
export interface FileReference {
  /** The `file` field that names it: a file that cannot be read is an error there. */
  origin: Origin;
  /** Relative to the project root, with forward slashes, e.g. clusters/staging/commerce.sql. */
  file: string;
  /** `text`: its text as it is; `map`: a JSON or YAML map, its data. */
  content: "text" | "map";
}

export interface ReferencedFiles {
  /** By project path: the text of a `text` file, the data of a `map` file. */
  contents: Map<string, unknown>;
  /** By project path: the digest of each file's text, for the input digests of the clusters that name it. */
  digests: Map<string, string>;
  /** The `map` files, parsed with positions, so that findings in them are located in them. */
  located: Map<string, SourceFile>;
  findings: Finding[];
}

/**
 * Reads every file the documents name, each once, on every run: a few small files, and a changed
 * one must reach the output. A missing file is an error at the field that names it; a file that
 * is no valid JSON or YAML map, one at its own line and column.
 */
export function readReferencedFiles(root: string, references: readonly FileReference[]): ReferencedFiles {
  const result: ReferencedFiles = { contents: new Map(), digests: new Map(), located: new Map(), findings: [] };
  for (const ref of references) {
    if (result.digests.has(ref.file)) continue;
    const absolute = path.join(root, ref.file);
    const stats = lstatOrUndefined(absolute);
    if (stats === undefined || stats.isDirectory()) {
      result.findings.push({
        origin: ref.origin, severity: "error", ruleId: "source-file-reference",
        message: `names ${ref.file}, which ${stats ? "is a folder" : "does not exist"}; add the file or fix the path (relative to the spec's folder)`,
      });
      continue;
    }
    const text = readSourceText(root, ref.file, absolute, stats, result.findings);
    if (text === undefined) continue;
    const digest = textDigest(text);
    result.digests.set(ref.file, digest);
    if (ref.content === "text") result.contents.set(ref.file, text);
    else readMap(ref.file, text, digest, result);
  }
  return result;
}

function readMap(file: string, text: string, digest: string, result: ReferencedFiles): void {
  const syntax = parseSyntax(text);
  result.located.set(file, { file, digest, documents: [], offsetOf: documentOffsets(syntax.documents), lines: () => syntax.lineCounter });
  const [document, extra] = syntax.documents;
  const at = { file, doc: 0, path: [] };
  const errors = document ? syntaxFindings(file, 0, document) : [];
  if (errors.length > 0) {
    result.findings.push(...errors);
    return;
  }
  let value: unknown;
  try {
    value = extra === undefined ? document?.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) : undefined;
  } catch (e) {
    result.findings.push({ origin: at, severity: "error", ruleId: "yaml-alias-limit", message: `expands more than ${MAX_ALIAS_COUNT} aliases (${(e as Error).message}); write the values out` });
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    result.findings.push({ origin: at, severity: "error", ruleId: "schema-type", message: "must hold one map (a JSON object), e.g. { \"tables\": { ... } }" });
    return;
  }
  result.contents.set(file, value);
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
