import { readCacheFile, writeCacheFile } from "../cache.js";

/**
 * Git blob ids of rendered files by the digest of their bytes (`textDigest`), kept in the cache so a
 * diff need not read again the files a cached compile did not produce text for. Both are functions
 * of the content alone, so an entry holds in any clone, for any commit; one file per object format.
 */
export class BlobIds {
  private readonly used = new Map<string, string>();
  private added = 0;

  private constructor(private readonly name: string, private readonly known: ReadonlyMap<string, string>) {}

  static load(root: string, objectFormat: string): BlobIds {
    const name = `blob-ids-${objectFormat}.json`;
    return new BlobIds(name, new Map(Object.entries(readCacheFile<Record<string, string>>(root, name) ?? {})));
  }

  /** The blob id of the file whose bytes have `digest`; `compute` runs only when no earlier run knew it. */
  idOf(digest: string, compute: () => string): string {
    let id = this.known.get(digest) ?? this.used.get(digest);
    if (id === undefined) {
      id = compute();
      this.added++;
    }
    this.used.set(digest, id);
    return id;
  }

  /** Keeps the entries this run used, when it learnt new ones or dropped old ones. */
  save(root: string): void {
    if (this.added > 0 || this.used.size !== this.known.size) writeCacheFile(root, this.name, Object.fromEntries(this.used));
  }
}
