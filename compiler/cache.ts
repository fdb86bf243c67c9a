import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fg from "fast-glob";
import type { Finding } from "./diagnostics.js";
import type { HostPathDemand } from "./rules/hostpath-layout.js";

/**
 * Beside rendered/, ignored by git: what earlier runs computed, reused while its inputs are unchanged.
 * Every file in it is written by one compiler build and ignored by any other, so an upgrade or a new
 * build never reads what an older one wrote. Deleting the folder only costs speed.
 */
export const CACHE_DIR = ".clusterc-cache";
/** Bumped when the layout of any cache file changes. */
const FORMAT = 2;

interface Envelope<T> {
  format: number;
  compiler: string;
  data: T;
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
    return envelope.format === FORMAT && envelope.compiler === compilerVersion() ? envelope.data : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces root/.clusterc-cache/NAME in one rename; a failure (a read-only checkout) only costs speed. */
export function writeCacheFile(root: string, name: string, data: unknown): void {
  const dir = path.join(root, CACHE_DIR);
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = path.join(dir, `${name}.${process.pid}`);
    const envelope: Envelope<unknown> = { format: FORMAT, compiler: compilerVersion(), data };
    writeFileSync(temporary, JSON.stringify(envelope));
    renameSync(temporary, path.join(dir, name));
  } catch {
    // rendering works the same without reuse
  }
}

/** One rendered file as the cache remembers it: its path under rendered/ and the digest of its bytes. */
export type FileDigest = [file: string, digest: string];

/**
 * What compiling one cluster (or the delivery objects) produced: its files and its findings before
 * policy exceptions (those are applied on every run, since they depend on the date). Fresh output
 * carries each file's text; reused output only digests, since its files are already in rendered/.
 */
export interface ClusterOutput {
  files: FileDigest[];
  text?: Map<string, string>;
  findings: Finding[];
}

interface CachedOutput {
  key: string;
  files: FileDigest[];
  findings: Finding[];
}

interface Entry {
  /** The digest of everything a cluster's model depends on, and its hostPath demands for it. */
  input?: string;
  demands?: HostPathDemand[];
  output?: CachedOutput;
}

const CLUSTERS_FILE = "clusters.json";

/**
 * The cache's name for the Argo CD and Flux objects. The hostPath state file goes under its own file
 * name. No cluster has either name, since cluster names are DNS labels.
 */
export const DELIVERY = "";

/**
 * What earlier runs computed per cluster (and for the fleet's own files: `DELIVERY`, the state file): its
 * hostPath demands and its output. Output is reused when its key matches and, when the caller says
 * what rendered/ holds, every file of it is there with the same bytes; otherwise it is compiled
 * again, which also brings back the text of files that were edited or deleted by hand. Keys are
 * digests of everything the cached value depends on. Entries not asked for in a run are dropped.
 */
export class ClusterCache {
  private readonly used = new Map<string, Entry>();
  private changed = false;

  constructor(
    private readonly entries: ReadonlyMap<string, Entry> = new Map(),
    private readonly onDisk?: ReadonlyMap<string, string>,
  ) {}

  /** The cluster's hostPath demands for `input`, cached or computed. */
  demandsFor(cluster: string, input: string, compute: () => HostPathDemand[]): HostPathDemand[] {
    const cached = this.entries.get(cluster);
    const demands = cached?.input === input && cached.demands ? cached.demands : compute();
    this.remember(cluster, { input, demands }, demands !== cached?.demands);
    return demands;
  }

  /** The cached output of `cluster` for `key`, or what `compute` makes (and remembers). */
  async outputFor(cluster: string, key: string, compute: () => Promise<ClusterOutput>): Promise<ClusterOutput> {
    const cached = this.entries.get(cluster)?.output;
    if (cached?.key === key && this.isOnDisk(cached.files)) {
      this.remember(cluster, { output: cached }, false);
      return { files: cached.files, findings: cached.findings };
    }
    const output = await compute();
    this.remember(cluster, { output: { key, files: output.files, findings: output.findings } }, true);
    return output;
  }

  private remember(cluster: string, part: Entry, changed: boolean): void {
    this.used.set(cluster, { ...this.used.get(cluster), ...part });
    this.changed ||= changed;
  }

  private isOnDisk(files: readonly FileDigest[]): boolean {
    return this.onDisk === undefined || files.every(([file, digest]) => this.onDisk!.get(file) === digest);
  }

  /**
   * Writes the cache when a run changed it or dropped clusters. A run that compiled no cluster (it
   * stopped at an error in the specs) learned nothing and keeps the cache as it was.
   */
  save(root: string): void {
    if (this.used.size === 0 || (!this.changed && this.used.size === this.entries.size)) return;
    writeCacheFile(root, CLUSTERS_FILE, Object.fromEntries(this.used));
  }
}

/**
 * The cluster cache of the last run under root. With `onDisk` (the digest of every file in
 * rendered/), an output is reused only while rendered/ still holds its files unchanged.
 */
export function loadClusterCache(root: string, onDisk?: ReadonlyMap<string, string>): ClusterCache {
  const entries = readCacheFile<Record<string, Entry>>(root, CLUSTERS_FILE);
  return new ClusterCache(new Map(Object.entries(entries ?? {})), onDisk);
}

/** A digest of the given inputs, in order. */
export function digest(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex");
}

/**
 * The digest of one file's bytes (a string counts as its UTF-8 encoding), as rendered/ and the cache
 * compare it: 128 bits of SHA-256, plenty to tell versions of a file apart and half the size to store.
 */
export function textDigest(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest().subarray(0, 16).toString("base64url");
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
