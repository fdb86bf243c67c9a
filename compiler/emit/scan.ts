import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cacheFileTime, readCacheFile, textDigest, writeCacheFile } from "../cache.js";
import { SIGNATURE_LENGTH, signatureOf, unchangedSince, type Signature } from "../signature.js";
import { RENDERED_DIR } from "../source/load.js";
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

/** The files under rendered/ by the digest of their bytes, and how to read one when its text is needed. */
export interface RenderedTree {
  digests: ReadonlyMap<string, string>;
  /** How many files had to be read because the record did not vouch for them; the next record saves those reads. */
  read: number;
  signatures: ReadonlyMap<string, Signature>;
  text: (file: string) => string;
}

/**
 * Digests every file under root/rendered/. A file is read only when the record of the last run has
 * no entry with its current size, times and inode, or when it changed in the same clock tick as
 * the record was written (git's index has the same rule): a check of an unchanged tree of 15,000
 * files stats them instead of reading 20 MB. Edits by hand, `git checkout` and a render killed
 * halfway all change the signature, so they are always read.
 */
export function scanRendered(root: string): RenderedTree {
  const dir = path.join(root, RENDERED_DIR) + path.sep;
  const record = loadRecord(root);
  const digests = new Map<string, string>();
  const signatures = new Map<string, Signature>();
  let read = 0;
  for (const file of listFiles(dir)) {
    const signature = signatureOf(lstatSync(dir + file));
    const vouched = record.digestOf(file, signature);
    if (vouched !== undefined) {
      digests.set(file, vouched);
    } else {
      digests.set(file, textDigest(readFileSync(dir + file)));
      read++;
    }
    signatures.set(file, signature);
  }
  return { digests, read, signatures, text: (file) => readFileSync(dir + file, "utf8") };
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
  if (scanned.read + change.write.size < WORTH_RECORDING) return;
  const digests = new Map(scanned.digests);
  const signatures = new Map(scanned.signatures);
  for (const file of change.write.keys()) {
    digests.set(file, written.get(file)!);
    signatures.set(file, signatureOf(statSync(path.join(root, RENDERED_DIR, file))));
  }
  for (const file of change.remove) digests.delete(file);
  const record: RenderedRecord = { files: [], signatures: [], digests: [] };
  for (const file of [...digests.keys()].sort()) {
    record.files.push(file);
    record.signatures.push(...signatures.get(file)!);
    record.digests.push(digests.get(file)!);
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

/**
 * The record of the last run: the digest it vouches for when a file's signature is the one it
 * recorded and the file is older than the record, by the file system's clock (the one file times
 * come from). Files are asked for in sorted order.
 */
function loadRecord(root: string): { digestOf: (file: string, signature: Signature) => string | undefined } {
  // stat before reading: a record replaced in between is then judged by the older, stricter time
  const recordedAt = cacheFileTime(root, RECORD_FILE);
  const record = readCacheFile<RenderedRecord>(root, RECORD_FILE) ?? { files: [], signatures: [], digests: [] };
  let next = 0;
  return {
    // asked in sorted order, the record's own: one pass finds every file, without an index of 15,000 entries
    digestOf: (file, signature) => {
      while (next < record.files.length && record.files[next]! < file) next++;
      return record.files[next] === file && unchangedSince(signature, record.signatures, recordedAt, next * SIGNATURE_LENGTH) ? record.digests[next] : undefined;
    },
  };
}
