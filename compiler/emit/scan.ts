import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cacheFileTime, readCacheFile, textDigest, writeCacheFile } from "../cache.js";
import { SIGNATURE_LENGTH, signatureOf, unchangedSince, type Signature } from "../signature.js";
import { RENDERED_DIR } from "../source/load.js";
import { blobId, unchangedBlobs } from "./git-index.js";
import type { TreeChange } from "./tree.js";

/** Parallel arrays: JSON reads them without building an object with a key per file. */
interface RenderedRecord {
  /** Sorted, as `listFiles` lists them. */
  files: string[];
  /** SIGNATURE_LENGTH numbers per file. */
  signatures: number[];
  digests: string[];
  /** The git object ID of each file's bytes, "" where git did not know them: how a restored record vouches for a fresh clone. */
  blobs: string[];
}

const RECORD_FILE = "rendered.json";

/** The files under rendered/ by the digest of their bytes, and how to read one when its text is needed. */
export interface RenderedTree {
  digests: ReadonlyMap<string, string>;
  /** How many files the record did not vouch for by their signature; the next record saves those reads or look-ups in git's index. */
  unvouched: number;
  /** How many of those had to be read: the record did not know their git object ID either. */
  read: number;
  signatures: ReadonlyMap<string, Signature>;
  /** The git object ID of the files whose bytes have one that git's index confirmed. */
  blobs: ReadonlyMap<string, string>;
  text: (file: string) => string;
}

/**
 * Digests every file under root/rendered/. A file is read only when the record of the last run has
 * no entry with its current size, times and inode, or when it changed in the same clock tick as
 * the record was written (git's index has the same rule): a check of an unchanged tree of 15,000
 * files stats them instead of reading 20 MB. Edits by hand, `git checkout` and a render killed
 * halfway all change the signature, so they are always read.
 *
 * A record restored into a fresh clone (CI's cache: new inodes and times) vouches for no signature.
 * There, git's index names the content of every committed file that is unchanged in the work tree,
 * and the record vouches for a file whose git object ID is the one it recorded with its digest. The
 * record only keeps an object ID that was confirmed against the very bytes it digested, or carried
 * over from a record that had.
 */
export async function scanRendered(root: string): Promise<RenderedTree> {
  const dir = path.join(root, RENDERED_DIR) + path.sep;
  const record = loadRecord(root);
  const digests = new Map<string, string>();
  const signatures = new Map<string, Signature>();
  const blobs = new Map<string, string>();
  // git starts at the first file whose signature is not vouched for (a warm run never starts it) and runs while the rest are stat-ed
  let inIndex: Promise<Map<string, string>> | undefined;
  const unvouched: [file: string, recorded: RecordedFile | undefined][] = [];
  for (const file of listFiles(dir)) {
    const signature = signatureOf(lstatSync(dir + file));
    const recorded = record.entryOf(file);
    signatures.set(file, signature);
    if (recorded !== undefined && recorded.vouches(signature)) {
      digests.set(file, recorded.digest);
      if (recorded.blob !== "") blobs.set(file, recorded.blob);
      continue;
    }
    digests.set(file, ""); // its place in sorted order, filled below
    inIndex ??= unchangedBlobs(root, RENDERED_DIR);
    unvouched.push([file, recorded]);
  }
  const index = (await inIndex) ?? new Map<string, string>();
  let read = 0;
  for (const [file, recorded] of unvouched) {
    const blob = index.get(file);
    if (blob !== undefined && recorded?.blob === blob) {
      digests.set(file, recorded.digest);
      blobs.set(file, blob);
      continue;
    }
    const bytes = readFileSync(dir + file);
    read++;
    digests.set(file, textDigest(bytes));
    if (blob !== undefined && blobId(bytes, blob) === blob) blobs.set(file, blob);
  }
  return { digests, unvouched: unvouched.length, read, signatures, blobs, text: (file) => readFileSync(dir + file, "utf8") };
}

/**
 * Below this many files that the record does not vouch for (read by the scan, or written since),
 * reading them again on the next run costs less than rewriting the record of the whole tree.
 */
const WORTH_RECORDING = 100;

/**
 * Records the digest and signature of every file under rendered/ after a run applied `change` to
 * the tree it scanned, when that saves the next run enough reads. `written` holds the digest of
 * every file the change wrote.
 */
export function recordRendered(
  root: string, scanned: RenderedTree, change: TreeChange = { write: new Map(), remove: [] }, written: ReadonlyMap<string, string> = new Map(),
): void {
  if (scanned.unvouched + change.write.size < WORTH_RECORDING) return;
  const digests = new Map(scanned.digests);
  const signatures = new Map(scanned.signatures);
  const blobs = new Map(scanned.blobs);
  for (const file of change.write.keys()) {
    digests.set(file, written.get(file)!);
    signatures.set(file, signatureOf(statSync(path.join(root, RENDERED_DIR, file))));
    blobs.delete(file); // git knows these bytes once they are committed, and the record after that learns it
  }
  for (const file of change.remove) digests.delete(file);
  const record: RenderedRecord = { files: [], signatures: [], digests: [], blobs: [] };
  for (const file of [...digests.keys()].sort()) {
    record.files.push(file);
    record.signatures.push(...signatures.get(file)!);
    record.digests.push(digests.get(file)!);
    record.blobs.push(blobs.get(file) ?? "");
  }
  writeCacheFile(root, RECORD_FILE, record);
}

/**
 * Every regular file under dir (symbolic links are not followed), by its path relative to dir with
 * forward slashes, sorted; empty when dir does not exist.
 */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (absolute: string, relative: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const name = relative + entry.name;
      if (entry.isDirectory()) walk(path.join(absolute, entry.name), name + "/");
      else if (entry.isFile()) files.push(name);
    }
  };
  try {
    walk(dir, "");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return files.sort();
}

/** Every file under dir with its text, keyed as `listFiles` names them. */
export function readTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((file) => [file, readFileSync(path.join(dir, file), "utf8")]));
}

/** What the record says of one file. */
interface RecordedFile {
  digest: string;
  blob: string;
  /** Whether a file with this signature now is still the version recorded. */
  vouches: (signature: Signature) => boolean;
}

/**
 * The record of the last run, asked file by file in sorted order. Its signatures vouch for a file
 * that keeps the one it recorded and is older than the record, by the file system's clock (the one
 * file times come from).
 */
function loadRecord(root: string): { entryOf: (file: string) => RecordedFile | undefined } {
  // stat before reading: a record replaced in between is then judged by the older, stricter time
  const recordedAt = cacheFileTime(root, RECORD_FILE);
  const record = readCacheFile<RenderedRecord>(root, RECORD_FILE) ?? { files: [], signatures: [], digests: [], blobs: [] };
  let next = 0;
  return {
    // asked in sorted order, the record's own: one pass finds every file, without an index of 15,000 entries
    entryOf: (file) => {
      while (next < record.files.length && record.files[next]! < file) next++;
      if (record.files[next] !== file) return undefined;
      const at = next;
      return { digest: record.digests[at]!, blob: record.blobs[at]!, vouches: (signature) => unchangedSince(signature, record.signatures, recordedAt, at * SIGNATURE_LENGTH) };
    },
  };
}
