import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The git object ID of every regular file under `folder` (relative to root) that git's index says
 * the work tree holds unchanged, by its path under `folder`; empty where root is no git work tree
 * or git is missing. In a fresh clone, or after a checkout, this names the content of every
 * committed file without reading it: git wrote the files and recorded their stat data itself.
 *
 * Only entries git checks are trusted: stage 0, mode 100644 or 100755, tag `H` of
 * `git ls-files -v` (never assume-unchanged or skip-worktree, whose work-tree files git does not
 * look at), and not also listed as modified (`-m`, tag `C`: git compares the file's stat data with
 * the index, and its content where they differ or the entry is racy,
 * https://git-scm.com/docs/racy-git). The file system monitor is switched off, since it answers
 * from events rather than from the files. `GIT_OPTIONAL_LOCKS=0` keeps git from refreshing the
 * index in passing: a run writes nothing outside rendered/ and its cache.
 */
export function unchangedBlobs(root: string, folder: string): Promise<Map<string, string>> {
  // Its own process, writing to a file rather than a pipe that would fill while the scan is busy:
  // git stats the files on the other core while the scan stats them for their signatures.
  const listing = path.join(tmpdir(), `clusterc-git-index-${process.pid}-${randomUUID()}`);
  const out = openSync(listing, "wx", 0o600);
  const git = spawn("git", ["-c", "core.fsmonitor=false", "ls-files", "-z", "-v", "--stage", "--cached", "--modified", "--", folder], {
    cwd: root, stdio: ["ignore", out, "ignore"], env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_LITERAL_PATHSPECS: "1" },
  });
  closeSync(out);
  return new Promise<Map<string, string>>((resolve) => {
    git.on("error", () => resolve(new Map())); // no git on the PATH
    git.on("close", (code) => resolve(code === 0 ? blobsOf(readFileSync(listing), folder) : new Map()));
  }).finally(() => rmSync(listing, { force: true }));
}

/**
 * Parsed from the listing's bytes, so each object ID is a string of its own: one sliced out of
 * the listing's text would keep the whole listing (110 bytes a file) alive as long as the digest.
 */
function blobsOf(listing: Buffer, folder: string): Map<string, string> {
  const blobs = new Map<string, string>();
  const modified = new Set<string>();
  const prefix = `${folder}/`;
  for (let start = 0; start < listing.length;) {
    const zero = listing.indexOf(0, start);
    const end = zero === -1 ? listing.length : zero;
    const tab = listing.indexOf(9, start);
    // "H 100644 <oid> 0\t<path>", and "C ..." again for a file the work tree holds modified
    const match = tab > start && tab < end ? /^([A-Za-z]) (\d+) ([0-9a-f]+) (\d)$/.exec(listing.toString("latin1", start, tab)) : null;
    const file = match ? listing.toString("utf8", tab + 1, end) : "";
    if (match !== null && file.startsWith(prefix)) {
      const [, tag, mode, oid, stage] = match;
      const name = file.slice(prefix.length);
      const oidStart = start + tag!.length + mode!.length + 2;
      if (tag === "H" && stage === "0" && (mode === "100644" || mode === "100755")) blobs.set(name, listing.toString("latin1", oidStart, oidStart + oid!.length));
      else modified.add(name); // "C", or an entry git does not check: never vouched for
    }
    start = end + 1;
  }
  for (const name of modified) blobs.delete(name);
  return blobs;
}
