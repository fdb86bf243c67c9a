import { CacheEntries } from "./cache.js";
import type { Finding } from "./diagnostics.js";
import type { PodSecurityLevel } from "./engines/types.js";
import type { NodePortClaim } from "./node-ports.js";
import type { HostPathDemand } from "./placement/demands.js";

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
  /** The labels of the cluster's start-up stages, in order, which its Flux Kustomizations follow; none for the fleet's own files. */
  stages: string[];
  /** The Pod Security Standards level every pod of the cluster meets, which its namespace enforces; none for the fleet's own files. */
  podSecurity?: PodSecurityLevel;
  /** Every nodePort its Services claim, with the spec field that asked: the fleet checks that none is taken twice. */
  nodePorts?: NodePortClaim[];
}

/** An output as the cache keeps it: everything but the text, which is on disk. */
type CachedOutput = { key: string } & Omit<ClusterOutput, "text">;

interface Entry {
  /** The digest of everything a cluster's model depends on, and its hostPath demands for it. */
  input?: string;
  demands?: HostPathDemand[];
  output?: CachedOutput;
}

const CLUSTERS_FILE = "clusters.entries";

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
  constructor(
    private readonly entries = CacheEntries.empty<Entry>(CLUSTERS_FILE),
    private readonly onDisk?: ReadonlyMap<string, string>,
  ) {}

  /** The cluster's hostPath demands for `input`, cached or computed. */
  demandsFor(cluster: string, input: string, compute: () => HostPathDemand[]): HostPathDemand[] {
    const cached = this.entries.previous(cluster);
    if (cached?.input === input && cached.demands) {
      this.entries.keep(cluster);
      return cached.demands;
    }
    const demands = compute();
    this.entries.set(cluster, { input, demands });
    return demands;
  }

  /** The cached output of `cluster` for `key`, or what `compute` makes (and remembers). */
  async outputFor(cluster: string, key: string, compute: () => Promise<ClusterOutput>): Promise<ClusterOutput> {
    const cached = this.entries.previous(cluster)?.output;
    const current = this.entries.current(cluster);
    if (cached?.key === key && this.isOnDisk(cached.files)) {
      if (current === undefined) this.entries.keep(cluster);
      else if (current.output !== cached) this.entries.set(cluster, { ...current, output: cached });
      const { key: _, ...reused } = cached;
      return reused;
    }
    const output = await compute();
    const { text: _, ...kept } = output;
    this.entries.set(cluster, { ...current, output: { key, ...kept } });
    return output;
  }

  private isOnDisk(files: readonly FileDigest[]): boolean {
    return this.onDisk === undefined || files.every(([file, digest]) => this.onDisk!.get(file) === digest);
  }

  /**
   * Writes the cache when a run changed it or dropped clusters. A run that compiled no cluster (it
   * stopped at an error in the specs) learned nothing and keeps the cache as it was.
   */
  save(root: string): void {
    if (!this.entries.isEmpty) this.entries.write(root);
  }
}

/**
 * The cluster cache of the last run under root. With `onDisk` (the digest of every file in
 * rendered/), an output is reused only while rendered/ still holds its files unchanged.
 */
export function loadClusterCache(root: string, onDisk?: ReadonlyMap<string, string>): ClusterCache {
  return new ClusterCache(CacheEntries.read<Entry>(root, CLUSTERS_FILE), onDisk);
}
