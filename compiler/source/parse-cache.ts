import { readCacheFile, textDigest, writeCacheFile } from "../cache.js";
import type { SourceDocument } from "./load.js";

interface Entry {
  digest: string;
  /** A checked document keeps only what schema/ made of it: its plain value is not needed any more. */
  documents: ([index: number, value: unknown] | [index: number, value: null, checked: unknown])[];
}

const PARSED_FILE = "sources.json";

/**
 * The plain data of every document of source files that parsed without findings, keyed by the
 * digest of the file's text, and what schema/ made of each document that passed its schema without
 * findings: parsing and validating YAML is most of the work of reading a large, unchanged fleet.
 * Only data that JSON keeps exactly is cached (no infinities, NaN or negative zero).
 */
export class ParseCache {
  private readonly used = new Map<string, Entry>();
  private changed = false;

  constructor(private readonly entries: ReadonlyMap<string, Entry> = new Map()) {}

  /** The documents of `file` when the cache has seen exactly this text. */
  documents(file: string, text: string): SourceDocument[] | undefined {
    const entry = this.entries.get(file);
    if (entry === undefined || entry.digest !== textDigest(text)) return undefined;
    this.used.set(file, entry);
    return entry.documents.map(([index, value, checked]) => (checked === undefined ? { file, index, value } : { file, index, value: undefined, checked }));
  }

  remember(file: string, text: string, documents: readonly SourceDocument[]): void {
    if (!documents.every((d) => keptByJson(d.value))) return;
    this.used.set(file, { digest: textDigest(text), documents: documents.map((d) => [d.index, d.value]) });
    this.changed = true;
  }

  /** Records what schema/ made of documents that passed without findings, for files cached by `remember`. */
  rememberChecked(documents: readonly { source: SourceDocument; document: unknown }[]): void {
    for (const { source, document } of documents) {
      const entry = this.used.get(source.file);
      const position = entry?.documents.findIndex(([index]) => index === source.index) ?? -1;
      if (entry === undefined || position < 0 || entry.documents[position]![2] !== undefined || !keptByJson(document)) continue;
      entry.documents[position] = [source.index, null, document];
      this.changed = true;
    }
  }

  /** Writes the entries of the files read in this run, when they differ from what was loaded. */
  save(root: string): void {
    if (!this.changed && this.used.size === this.entries.size) return;
    writeCacheFile(root, PARSED_FILE, Object.fromEntries(this.used));
  }
}

export function loadParseCache(root: string): ParseCache {
  return new ParseCache(new Map(Object.entries(readCacheFile<Record<string, Entry>>(root, PARSED_FILE) ?? {})));
}

function keptByJson(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every(keptByJson);
  if (typeof value === "object") return Object.values(value).every(keptByJson);
  return false;
}
