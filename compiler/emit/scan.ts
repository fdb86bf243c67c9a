import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cacheFileTime, readCacheFile, textDigest, writeCacheFile } from "../cache.js";
import { SIGNATURE_LENGTH, signatureOf, unchangedSince, type Signature } from "../signature.js";
import { RENDERED_DIR } from "../source/load.js";
import { unchangedBlobs } from "./git-index.js";
import type { TreeChange } from "./tree.js";

/** Parallel arrays: JSON reads them without building an object with a key per file. */
interface RenderedRecord {
  /** Sorted, as `listFiles` lists them. */
  files: string[];
  /** SIGNATURE_LENGTH numbers per file. */
  signatures: number[];
  digests: string[];
}

const RECORD_FILE = "rendered.json";
/**
 * Fewer files than this that the record does not vouch for (the few a render just wrote) are read:
 * that costs a few milliseconds, where `git ls-files` stats the whole tree for 150 ms or more.
 */
const ASK_GIT_FROM = 500;
/** Hex digits of an object ID in the format of every digest (`DIGEST_FORMAT`, SHA-1). */
const DIGEST_HEX_LENGTH = 40;

/** The files under rendered/ by the digest of their bytes, and how to read one when its text is needed. */
export interface RenderedTree {
  digests: ReadonlyMap<string, string>;
  /** How many files the record did not vouch for by their signature; the next record saves those reads or look-ups in git's index. */
  unvouched: number;
  /** How many of those had to be read: git's index did not name their content either. */
  read: number;
  /** Every file, sorted, and their signatures: SIGNATURE_LENGTH numbers each, in that order (a typed array holds 300,000 in 10 MB). */
  files: readonly string[];
  signatures: Float64Array;
  text: (file: string) => string;
}

/**
 * Digests every file under root/rendered/. A file is read only when the record of the last run has
 * no entry with its current size, times and inode, or when it changed in the same clock tick as
 * the record was written (git's index has the same rule): a check of an unchanged tree of 15,000
 * files stats them instead of reading 20 MB. Edits by hand, `git checkout` and a render killed
 * halfway all change the signature, so they are always read.
 *
 * In a fresh clone (CI: no record, or one restored with other inodes and times), git's index names
 * the content of every committed file that is unchanged in the work tree, and a file's digest is
 * its git blob id (`textDigest`): such a file is not read. In a SHA-256 repository the index names
 * other IDs, and every file the record does not vouch for is read.
 */
export async function scanRendered(root: string): Promise<RenderedTree> {
  const dir = path.join(root, RENDERED_DIR) + path.sep;
  const record = loadRecord(root);
  const digests = new Map<string, string>();
  const files = listFiles(dir);
  const signatures = new Float64Array(files.length * SIGNATURE_LENGTH);
  // git starts once ASK_GIT_FROM files are not vouched for by their signature (a warm run never
  // starts it) and runs while the rest are stat-ed
  let inIndex: Promise<Map<string, string>> | undefined;
  const unvouched: string[] = [];
  for (const [i, file] of files.entries()) {
    const signature = signatureOf(lstatSync(dir + file));
    const recorded = record.entryOf(file);
    signatures.set(signature, i * SIGNATURE_LENGTH);
    if (recorded !== undefined && recorded.vouches(signature)) {
      digests.set(file, recorded.digest);
      continue;
    }
    digests.set(file, ""); // its place in sorted order, filled below
    if (unvouched.push(file) === ASK_GIT_FROM) inIndex = unchangedBlobs(root, RENDERED_DIR);
  }
  const index = (await inIndex) ?? new Map<string, string>();
  let read = 0;
  for (const file of unvouched) {
    const blob = index.get(file);
    if (blob?.length === DIGEST_HEX_LENGTH) {
      digests.set(file, blob);
      continue;
    }
    read++;
    digests.set(file, textDigest(readFileSync(dir + file)));
  }
  return { digests, unvouched: unvouched.length, read, files, signatures, text: (file) => readFileSync(dir + file, "utf8") };
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
  root: string, scanned: RenderedTree, change: Pick<TreeChange, "write" | "remove"> = { write: [], remove: [] }, written: ReadonlyMap<string, string> = new Map(),
): void {
  if (scanned.unvouched + change.write.length < WORTH_RECORDING) return;
  const removed = new Set(change.remove);
  const record: RenderedRecord = { files: [], signatures: [], digests: [] };
  const add = (file: string, signature: ArrayLike<number>, digest: string) => {
    record.files.push(file);
    for (let k = 0; k < SIGNATURE_LENGTH; k++) record.signatures.push(signature[k]!);
    record.digests.push(digest);
  };
  const { files } = scanned;
  const keepScanned = (at: number) => {
    const file = files[at]!;
    if (!removed.has(file)) add(file, scanned.signatures.subarray(at * SIGNATURE_LENGTH), scanned.digests.get(file)!);
  };
  // the scanned files and the written ones (TreeChange: sorted), one merge with no copy of the scan's maps
  let i = 0;
  for (const file of change.write) {
    for (; i < files.length && files[i]! < file; i++) keepScanned(i);
    if (files[i] === file) i++;
    add(file, signatureOf(statSync(path.join(root, RENDERED_DIR, file))), written.get(file)!);
  }
  for (; i < files.length; i++) keepScanned(i);
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
  const record = readCacheFile<RenderedRecord>(root, RECORD_FILE) ?? { files: [], signatures: [], digests: [] };
  let next = 0;
  return {
    // asked in sorted order, the record's own: one pass finds every file, without an index of 15,000 entries
    entryOf: (file) => {
      while (next < record.files.length && record.files[next]! < file) next++;
      if (record.files[next] !== file) return undefined;
      const at = next;
      return { digest: record.digests[at]!, vouches: (signature) => unchangedSince(signature, record.signatures, recordedAt, at * SIGNATURE_LENGTH) };
    },
  };
}
