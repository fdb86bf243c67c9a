import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fg from "fast-glob";

/**
 * Beside rendered/, ignored by git: what earlier runs computed, reused while its inputs are unchanged.
 * Every file in it is written by one compiler build and ignored by any other, so an upgrade or a new
 * build never reads what an older one wrote. Deleting the folder only costs speed.
 */
export const CACHE_DIR = ".clusterc-cache";
/** Bumped when the layout of any cache file changes. */
const FORMAT = 5;

/** Which compiler build wrote a cache file. */
interface Header {
  format: number;
  compiler: string;
}

interface Envelope<T> extends Header {
  data: T;
}

function header(): Header {
  return { format: FORMAT, compiler: compilerVersion() };
}

function isCurrent(written: Header): boolean {
  return written.format === FORMAT && written.compiler === compilerVersion();
}

/**
 * When root/.clusterc-cache/NAME was last written, by the file system's clock (the one file times
 * come from); 0 when it is missing. Read it before the file, so a file replaced in between is judged
 * by the older, stricter time.
 */
export function cacheFileTime(root: string, name: string): number {
  return statSync(path.join(root, CACHE_DIR, name), { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/** The data of root/.clusterc-cache/NAME; undefined when it is missing, unreadable or from another compiler build. */
export function readCacheFile<T>(root: string, name: string): T | undefined {
  try {
    const envelope = JSON.parse(readFileSync(path.join(root, CACHE_DIR, name), "utf8")) as Envelope<T>;
    return isCurrent(envelope) ? envelope.data : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces root/.clusterc-cache/NAME with `data`, as written by this compiler build. */
export function writeCacheFile(root: string, name: string, data: unknown): void {
  replaceCacheFile(root, name, jsonPieces({ ...header(), data }, 2));
}

/**
 * The JSON text of `value` in pieces, one for each field of an object down to `depth` levels: the
 * record of 300,000 rendered files is never one string of 45 MB, on top of the arrays it is made of.
 */
function* jsonPieces(value: unknown, depth: number): Generator<string> {
  if (depth === 0 || typeof value !== "object" || value === null || Array.isArray(value)) {
    yield JSON.stringify(value);
    return;
  }
  let separator = "{";
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    yield `${separator}${JSON.stringify(key)}:`;
    yield* jsonPieces(field, depth - 1);
    separator = ",";
  }
  yield separator === "{" ? "{}" : "}";
}

/** Bytes gathered before one write. */
const WRITE_CHUNK = 1 << 20;

/**
 * Replaces root/.clusterc-cache/NAME with the text of `pieces`, written as they come and renamed
 * into place in one step; a failure (a read-only checkout) only costs speed.
 */
function replaceCacheFile(root: string, name: string, pieces: Iterable<string>): void {
  const dir = path.join(root, CACHE_DIR);
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = path.join(dir, `${name}.${process.pid}`);
    const file = openSync(temporary, "w");
    try {
      let chunk = "";
      for (const piece of pieces) {
        chunk += piece;
        if (chunk.length >= WRITE_CHUNK) {
          writeSync(file, chunk);
          chunk = "";
        }
      }
      writeSync(file, chunk);
    } finally {
      closeSync(file);
    }
    renameSync(temporary, path.join(dir, name));
  } catch {
    // rendering works the same without reuse
  }
}

/** An entry as read, with its line, or as set by this run. */
interface Stored<T> {
  value: T;
  line?: string;
}

/**
 * A cache file of keyed entries: a line with the header, then one line per entry, its key and its
 * value as JSON separated by a tab (JSON text never holds a raw tab). A run writes the entries it
 * keeps back as the lines they were read from, serialising only those it changed. Entries a run
 * neither keeps nor sets are dropped.
 */
export class CacheEntries<T> {
  private readonly next = new Map<string, Stored<T>>();

  private constructor(private readonly name: string, private readonly last: ReadonlyMap<string, Stored<T>>) {}

  /** No entries, as before a first run. */
  static empty<T>(name: string): CacheEntries<T> {
    return new CacheEntries(name, new Map());
  }

  /** The entries of root/.clusterc-cache/NAME; none when it is missing, unreadable or from another compiler build. */
  static read<T>(root: string, name: string): CacheEntries<T> {
    const last = new Map<string, Stored<T>>();
    try {
      const [first, ...lines] = readFileSync(path.join(root, CACHE_DIR, name), "utf8").split("\n");
      if (isCurrent(JSON.parse(first!) as Header)) {
        for (const line of lines) {
          const tab = line.indexOf("\t");
          last.set(JSON.parse(line.slice(0, tab)) as string, { value: JSON.parse(line.slice(tab + 1)) as T, line });
        }
      }
    } catch {
      last.clear(); // a file that cannot be read whole is no file
    }
    return new CacheEntries(name, last);
  }

  /** The entry the last run left. */
  previous(key: string): T | undefined {
    return this.last.get(key)?.value;
  }

  /** The entry this run passes on so far. */
  current(key: string): T | undefined {
    return this.next.get(key)?.value;
  }

  /** Passes the last run's entry on as it was. */
  keep(key: string): void {
    const stored = this.last.get(key);
    if (stored) this.next.set(key, stored);
  }

  /** Passes a new entry on. */
  set(key: string, value: T): void {
    this.next.set(key, { value });
  }

  /** Whether this run passes anything on. */
  get isEmpty(): boolean {
    return this.next.size === 0;
  }

  /** Writes the entries kept and set, unless they are exactly the ones read. */
  write(root: string): void {
    const same = this.next.size === this.last.size && [...this.next.values()].every((stored) => stored.line !== undefined);
    if (same) return;
    const next = this.next;
    replaceCacheFile(root, this.name, (function* () {
      yield JSON.stringify(header());
      for (const [key, stored] of next) yield `\n${stored.line ?? `${JSON.stringify(key)}\t${JSON.stringify(stored.value)}`}`;
    })());
  }
}

/** A digest of the given inputs, in order. */
export function digest(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex");
}

/** The git object format a digest is a blob id in: where a repository has another, digests are not its ids. */
export const DIGEST_FORMAT = "sha1";

/**
 * The digest of one file's bytes (a string counts as its UTF-8 encoding), as rendered/ and the cache
 * compare it: the file's git blob id in a SHA-1 repository (`git hash-object`), so a file that git's
 * index holds unchanged has a known digest without being read (emit/git-index).
 */
export function textDigest(text: string | Uint8Array): string {
  return blobIdIn(DIGEST_FORMAT, text);
}

/** The git object ID of a file of these bytes (a string counts as its UTF-8 encoding) in a repository of this object format. */
export function blobIdIn(format: "sha1" | "sha256", bytes: string | Uint8Array): string {
  const length = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length;
  return createHash(format).update(`blob ${length}\0`).update(bytes).digest("hex");
}

let compilerDigest: string | undefined;

/**
 * A digest of the compiler that is running (its compiled files) and of the exact dependencies it
 * runs with (the lockfile): a new build or upgrade invalidates every cache file.
 */
export function compilerVersion(): string {
  if (compilerDigest === undefined) {
    const compilerDir = path.dirname(fileURLToPath(import.meta.url));
    const lockfile = path.join(compilerDir, "../../package-lock.json");
    const hash = createHash("sha256");
    // Bytes, not text: decoding the 3 MB bundle only to hash it as UTF-8 again cost 45 ms a run.
    const add = (name: string, bytes: Buffer) => hash.update(`${name}\0${bytes.length}\0`).update(bytes);
    for (const file of fg.sync("**/*.js", { cwd: compilerDir }).sort()) add(file, readFileSync(path.join(compilerDir, file)));
    if (existsSync(lockfile)) add("package-lock.json", readFileSync(lockfile));
    compilerDigest = hash.digest("hex");
  }
  return compilerDigest;
}
