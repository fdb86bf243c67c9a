import { CacheEntries, cacheFileTime } from "../cache.js";
import { sameSignature, unchangedSince, type Signature } from "../signature.js";
import type { SourceDocument } from "./document.js";

interface Entry {
  digest: string;
  /** The file's signature when it was last read: while it keeps it, it is not read again. */
  signature?: Signature;
  /** A checked document keeps only what schema/ made of it: its plain value is not needed any more. */
  documents: ([index: number, value: unknown] | [index: number, value: null, checked: unknown])[];
}

/** What the cache knows of a file's current version. */
export interface KnownFile {
  /** Digest of the file's text (`textDigest`). */
  digest: string;
  documents: SourceDocument[];
}

const PARSED_FILE = "sources.entries";

/**
 * The plain data of every document of source files that parsed without findings, keyed by the
 * digest of the file's text, and what schema/ made of each document that passed its schema without
 * findings: reading, parsing and validating YAML is most of the work of loading a large, unchanged
 * fleet. A file that keeps the signature it was read with is not even read again. Only data that
 * JSON keeps exactly is cached (no infinities, NaN or negative zero).
 */
export class ParseCache {
  /** `writtenAt`: when the cache file was written, which limits the signatures it can vouch for. */
  constructor(private readonly entries = CacheEntries.empty<Entry>(PARSED_FILE), private readonly writtenAt = 0) {}

  /** What the cache knows of `file` when it still has the signature it was read with. */
  unchanged(file: string, signature: Signature): KnownFile | undefined {
    const entry = this.entries.previous(file);
    if (entry?.signature === undefined || !unchangedSince(signature, entry.signature, this.writtenAt)) return undefined;
    this.entries.keep(file);
    return known(file, entry);
  }

  /** The documents of `file` when the cache has seen text with this digest; `signature` is the one it was read with. */
  documents(file: string, digest: string, signature?: Signature): SourceDocument[] | undefined {
    const entry = this.entries.previous(file);
    if (entry === undefined || entry.digest !== digest) return undefined;
    if (signature !== undefined && (entry.signature === undefined || !sameSignature(signature, entry.signature))) this.entries.set(file, { ...entry, signature });
    else this.entries.keep(file);
    return known(file, entry).documents;
  }

  remember(file: string, digest: string, documents: readonly SourceDocument[], signature?: Signature): void {
    if (!documents.every((d) => keptByJson(d.value))) return;
    this.entries.set(file, { digest, ...(signature && { signature }), documents: documents.map((d) => [d.index, d.value]) });
  }

  /** Records what schema/ made of documents that passed without findings, for files cached by `remember`. */
  rememberChecked(documents: readonly { source: SourceDocument; document: unknown }[]): void {
    for (const { source, document } of documents) {
      const entry = this.entries.current(source.file);
      const position = entry?.documents.findIndex(([index]) => index === source.index) ?? -1;
      if (entry === undefined || position < 0 || entry.documents[position]![2] !== undefined || !keptByJson(document)) continue;
      const checked = entry.documents.map((d, i): Entry["documents"][number] => (i === position ? [source.index, null, document] : d));
      this.entries.set(source.file, { ...entry, documents: checked });
    }
  }

  /** Writes the entries of the files read in this run, when they differ from what was loaded. */
  save(root: string): void {
    this.entries.write(root);
  }
}

export function loadParseCache(root: string): ParseCache {
  const writtenAt = cacheFileTime(root, PARSED_FILE);
  return new ParseCache(CacheEntries.read<Entry>(root, PARSED_FILE), writtenAt);
}

function known(file: string, entry: Entry): KnownFile {
  const documents = entry.documents.map(([index, value, checked]) => (checked === undefined ? { file, index, value } : { file, index, value: undefined, checked }));
  return { digest: entry.digest, documents };
}

function keptByJson(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every(keptByJson);
  if (typeof value === "object") return Object.values(value).every(keptByJson);
  return false;
}
