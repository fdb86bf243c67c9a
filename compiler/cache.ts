import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fg from "fast-glob";
import type { Finding } from "./diagnostics.js";

/**
 * What compiling one cluster produced: the files of its folder and its findings before policy
 * exceptions (those are applied on every run, since they depend on the date).
 */
export interface ClusterOutput {
  files: [string, string][];
  findings: Finding[];
}

interface Entry {
  key: string;
  output: ClusterOutput;
}

/** Beside rendered/, ignored by git: the outputs of clusters whose inputs did not change. */
export const CACHE_DIR = ".clusterc-cache";
const CACHE_FILE = "clusters.json";
/** Bumped when the file's layout changes, so an old file is ignored rather than misread. */
const FORMAT = 1;

/**
 * Reuses a cluster's output when its key matches. Keys are digests of everything the output depends
 * on; `clusterKey` builds them. Entries of clusters that were not asked for in a run are dropped.
 */
export class ClusterCache {
  private readonly used = new Map<string, Entry>();
  private changed = false;

  constructor(private readonly entries: ReadonlyMap<string, Entry> = new Map()) {}

  /** The cached output of `cluster` for `key`, or what `compute` makes (and remembers). */
  async outputFor(cluster: string, key: string, compute: () => Promise<ClusterOutput>): Promise<ClusterOutput> {
    const cached = this.entries.get(cluster);
    if (cached?.key === key) {
      this.used.set(cluster, cached);
      return cached.output;
    }
    const output = await compute();
    this.used.set(cluster, { key, output });
    this.changed = true;
    return output;
  }

  /**
   * Writes the cache when a run changed it or dropped clusters; a failure to write only costs speed.
   * A run that compiled no cluster (it stopped at an error in the specs) learned nothing and keeps
   * the cache as it was.
   */
  save(root: string): void {
    if (this.used.size === 0 || (!this.changed && this.used.size === this.entries.size)) return;
    const dir = path.join(root, CACHE_DIR);
    try {
      mkdirSync(dir, { recursive: true });
      const temporary = path.join(dir, `${CACHE_FILE}.${process.pid}`);
      writeFileSync(temporary, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(this.used) }));
      renameSync(temporary, path.join(dir, CACHE_FILE));
    } catch {
      // a read-only checkout renders as well, only without reuse
    }
  }
}

/** The cache of the last run under root; empty when there is none or it cannot be read. */
export function loadCache(root: string): ClusterCache {
  try {
    const data = JSON.parse(readFileSync(path.join(root, CACHE_DIR, CACHE_FILE), "utf8")) as { format: number; entries: Record<string, Entry> };
    return new ClusterCache(data.format === FORMAT ? new Map(Object.entries(data.entries)) : new Map());
  } catch {
    return new ClusterCache();
  }
}

/** A digest of the given inputs, in order. */
export function digest(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex");
}

let compilerDigest: string | undefined;

/**
 * A digest of the compiler that is running (its compiled files) and of the exact dependencies it
 * runs with (the lockfile): a new build or upgrade invalidates every cached output.
 */
export function compilerVersion(): string {
  if (compilerDigest === undefined) {
    const compilerDir = path.dirname(fileURLToPath(import.meta.url));
    const files = fg.sync("**/*.js", { cwd: compilerDir }).sort();
    const lockfile = path.join(compilerDir, "../../package-lock.json");
    compilerDigest = digest([
      ...files.flatMap((file) => [file, readFileSync(path.join(compilerDir, file), "utf8")]),
      existsSync(lockfile) ? readFileSync(lockfile, "utf8") : "",
    ]);
  }
  return compilerDigest;
}
