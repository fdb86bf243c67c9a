import type { Stats } from "node:fs";

/** What identifies one version of a file without reading it: size, modification and change times, inode. */
export type Signature = [size: number, mtimeMs: number, ctimeMs: number, ino: number];
export const SIGNATURE_LENGTH = 4;

export function signatureOf(stats: Stats): Signature {
  return [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino];
}

/**
 * Whether a file that has `current` now is still the version a record written at `recordedAt`
 * (file system time) saw with the signature at `recorded[at..]`. A file changed in the same clock
 * tick as the record was written could change again with the same signature, so it is never
 * vouched for (git's index has the same rule). Edits, `git checkout` and renames over the file all
 * change the signature.
 */
export function unchangedSince(current: Signature, recorded: readonly number[], recordedAt: number, at = 0): boolean {
  return current[1] < recordedAt && sameSignature(current, recorded, at);
}

/** Whether `current` is the signature at `recorded[at..]`. */
export function sameSignature(current: Signature, recorded: readonly number[], at = 0): boolean {
  return current.every((value, k) => value === recorded[at + k]);
}
