import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import fg from "fast-glob";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { textDigest } from "../cache.js";
import type { Finding } from "../diagnostics.js";
import { signatureOf, type Signature } from "../signature.js";
import type { SourceDocument } from "./document.js";
import { ParseCache } from "./parse-cache.js";
import { documentOffsets, type Offsets } from "./offsets.js";
import { readSimpleYaml, simpleYamlOffsets } from "./simple-yaml.js";

/** Largest spec or policy file we read: real specs are a few KiB, anything larger is a mistake or an attack. */
export const MAX_SOURCE_BYTES = 1024 * 1024;
/** Aliases allowed when a document is turned into data; far above any honest spec, far below a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

export interface SourceFile {
  /** Path relative to the project root, with forward slashes. */
  file: string;
  /** Digest of the file's text (`textDigest`), for digests of what a cluster's output depends on. */
  digest: string;
  documents: SourceDocument[];
  /** Where the node at a path of a document starts (offsetOf in offsets.ts), read from the file on first use. */
  offsetOf: Offsets;
  /** Where each line starts, to turn an offset into line and column without parsing the file again. */
  lines: () => LineCounter;
}

export interface FileSyntax {
  lineCounter: LineCounter;
  /** By document index. */
  documents: readonly Document.Parsed[];
}

export interface LoadedSources {
  files: Map<string, SourceFile>;
  findings: Finding[];
}

/** The folders a project keeps its inputs in. */
export const SOURCE_DIRS = ["clusters", "policies"] as const;
/** The folder the compiler writes; also where the hostPath state file is read back from. */
export const RENDERED_DIR = "rendered";

/**
 * Finds and parses every spec and policy file under root, in sorted path order. Files the cache
 * knows by their signature are not read again, files it knows by their exact text not parsed again.
 */
export async function loadSources(root: string, cache = new ParseCache()): Promise<LoadedSources> {
  // Symbolic links are listed too (onlyFiles would drop them silently) and vetted when read.
  // Synchronous calls throughout: for a fleet of small files, one awaited call after another costs
  // several times more than the work itself.
  const entries = fg.sync(
    SOURCE_DIRS.map((dir) => `${dir}/**/*.{yaml,yml}`),
    { cwd: root, onlyFiles: false, markDirectories: true, followSymbolicLinks: false, dot: false },
  );
  const relativePaths = entries.filter((entry) => !entry.endsWith("/")).sort();
  const files = new Map<string, SourceFile>();
  const findings: Finding[] = [];
  for (const file of relativePaths) {
    const absolute = path.join(root, file);
    const link = lstatSync(absolute);
    const source = readCached(absolute, file, link, findings, cache, () => readSourceText(root, file, absolute, link, findings));
    if (source) files.set(file, source);
  }
  return { files, findings };
}

/**
 * A file as the cache knows it, not read at all (unless a finding must be located in it) while it
 * keeps the signature the cache saw; otherwise its text from `read` (undefined: no file to parse),
 * parsed unless the cache knows that exact text. `stats` are the file's own, from `lstat`. For a
 * file clusterc writes, `written` reads the one document of a text that is exactly what clusterc
 * writes without yaml's parser (undefined for any other text, which is parsed).
 */
export function readCached(
  absolute: string, file: string, stats: Stats | undefined, findings: Finding[], cache: ParseCache, read: () => string | undefined,
  written?: (text: string) => unknown,
): SourceFile | undefined {
  // a link's own signature says nothing of its target: links are read every time
  const signature = stats?.isFile() ? signatureOf(stats) : undefined;
  const known = signature && cache.unchanged(file, signature);
  if (known) return lazySource(file, known.digest, known.documents, () => readFileSync(absolute, "utf8"));
  const text = read();
  return text === undefined ? undefined : parseCached(file, text, findings, cache, signature, written);
}

/** The text of a file under root, or undefined after reporting why it cannot be used (a link out of its folder, too large, not UTF-8). */
export function readSourceText(root: string, file: string, absolute: string, link: Stats, findings: Finding[]): string | undefined {
  const at = { file, doc: 0, path: [] };
  if (link.isSymbolicLink()) {
    const target = realpathOrUndefined(absolute);
    const dir = realpathSync(path.join(root, file.split("/")[0]!));
    if (target === undefined || !target.startsWith(dir + path.sep)) {
      findings.push({
        origin: at, severity: "error", ruleId: "source-symlink",
        message: `is a symbolic link that leaves ${file.split("/")[0]}/; move the file into the repository instead of linking to it`,
      });
      return undefined;
    }
  }
  const size = link.isSymbolicLink() ? statSync(absolute).size : link.size;
  if (size > MAX_SOURCE_BYTES) {
    findings.push({
      origin: at, severity: "error", ruleId: "source-too-large",
      message: `is ${size} bytes, over the ${MAX_SOURCE_BYTES}-byte limit for one spec file; split it into several files`,
    });
    return undefined;
  }
  const bytes = readFileSync(absolute);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    findings.push({
      origin: at, severity: "error", ruleId: "source-encoding",
      message: "is not valid UTF-8; save the file as UTF-8",
    });
    return undefined;
  }
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined; // a dangling link
  }
}

/**
 * Reads every document of one file: without a parser when it keeps to the subset `readSimpleYaml`
 * reads, otherwise with yaml's, reporting syntax errors at their exact position. No syntax tree
 * is kept: the file is read again only to locate a finding. Every file's syntax tree, held through
 * the compile, was about 20 MB of peak memory at 1,000 clusters.
 */
function parseSource(file: string, text: string, digest: string, findings: Finding[]): SourceFile {
  const simple = readSimpleYaml(text);
  if (simple !== undefined) return lazySource(file, digest, simple.map((value, index) => ({ file, index, value })), () => text);
  const syntax = parseSyntax(text);
  const source = lazySource(file, digest, [], () => text);
  syntax.documents.forEach((document, index) => {
    const errorFindings = syntaxFindings(file, index, document);
    findings.push(...errorFindings);
    let value: unknown;
    if (errorFindings.length === 0) {
      try {
        value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        findings.push({
          origin: { file, doc: index, path: [] }, severity: "error", ruleId: "yaml-alias-limit",
          message: `expands more than ${MAX_ALIAS_COUNT} aliases (${(e as Error).message}); write the values out instead of nesting aliases`,
        });
      }
    }
    if (document.contents !== null || errorFindings.length > 0) {
      const header = value === undefined ? { header: { kind: document.get("kind"), name: document.getIn(["metadata", "name"]) } } : {};
      source.documents.push({ file, index, value, ...header });
    }
  });
  return source;
}

/** The syntax errors of one parsed document, each at its exact position. */
export function syntaxFindings(file: string, index: number, document: Document.Parsed): Finding[] {
  return document.errors.map((e): Finding => ({
    origin: { file, doc: index, path: [], offset: e.pos[0] },
    severity: "error",
    ruleId: e.code === "DUPLICATE_KEY" ? "yaml-duplicate-key" : "yaml-syntax",
    message: /call stack/i.test(e.message)
      ? "nests too deeply to read; flatten the structure"
      : `${firstSentence(e.message)}; fix the YAML syntax`,
  }));
}

/**
 * Parses a file, or takes its documents from the cache when it has seen this exact text; then the
 * text is parsed again only to locate a finding. Files with findings are not cached, so their
 * findings are reported on every run. `signature`: the file's, when it was read, for `readCached`.
 */
function parseCached(file: string, text: string, findings: Finding[], cache: ParseCache, signature?: Signature, written?: (text: string) => unknown): SourceFile {
  const digest = textDigest(text);
  const known = cache.documents(file, digest, signature);
  if (known !== undefined) return lazySource(file, digest, known, () => text);
  const found = findings.length;
  const value = written?.(text);
  const source = value === undefined ? parseSource(file, text, digest, findings) : lazySource(file, digest, [{ file, index: 0, value }], () => text);
  if (findings.length === found) cache.remember(file, digest, source.documents, signature);
  return source;
}

/** A file whose documents were read: its text is read and parsed again only when a finding must be located in it. */
function lazySource(file: string, digest: string, documents: SourceDocument[], read: () => string): SourceFile {
  let text: string | undefined;
  let offsets: Offsets | undefined;
  let lines: LineCounter | undefined;
  const textOf = () => (text ??= read());
  return {
    file, digest, documents,
    offsetOf: (doc, path) => (offsets ??= simpleYamlOffsets(textOf()) ?? documentOffsets(parseSyntax(textOf()).documents))(doc, path),
    lines: () => (lines ??= lineCounterOf(textOf())),
  };
}

/** The line starts of `text` as yaml's parser records them, found without parsing. */
function lineCounterOf(text: string): LineCounter {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lineCounter.addNewLine(at + 1);
  return lineCounter;
}

export function parseSyntax(text: string): FileSyntax {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { lineCounter, documents: Array.isArray(parsed) ? parsed : [] }; // not an array: an empty stream
}

function firstSentence(message: string): string {
  return message.split("\n")[0]!.replace(/[.:]\s*$/, "");
}
