import { spawnSync } from "node:child_process";
import { blobIdIn } from "../cache.js";

/** A git command line problem the user can fix (no repository, an unknown ref): a usage error. */
export class GitUsageError extends Error {}

/** One file of a commit's tree, as `git ls-tree` lists it. */
export interface TreeEntry {
  /** Path relative to the directory the repository was opened at, with forward slashes. */
  path: string;
  oid: string;
}

/** Output of one git process: a whole rendered/ tree's listing or blobs fit in memory, as rendered/ does. */
const MAX_OUTPUT_BYTES = 2 ** 31 - 1;

/** The repository that holds a directory, read through git's own plumbing commands, never written. */
export class GitRepository {
  private constructor(private readonly cwd: string, readonly objectFormat: "sha1" | "sha256") {}

  /** The repository around `dir`; a usage error when `dir` is in none or git is missing. */
  static open(dir: string): GitRepository {
    const probe = spawnSync("git", ["rev-parse", "--show-object-format"], { cwd: dir, encoding: "utf8" });
    if (probe.error) throw new GitUsageError(`cannot run git (${probe.error.message}): diff reads the base from git; install git`);
    if (probe.status !== 0) {
      throw new GitUsageError(`${dir} is not in a git repository: diff compares with a commit of the repository that holds the project; run it in a clone, or pass --root DIR of one`);
    }
    return new GitRepository(dir, probe.stdout.trim() === "sha256" ? "sha256" : "sha1");
  }

  /** The commit REF names; a usage error that says how to fix it when it names none. */
  resolveCommit(ref: string): string {
    const result = this.git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], false);
    if (result.status !== 0) {
      throw new GitUsageError(`--base ${ref}: no such commit in this repository; name a branch, tag or commit (\`git fetch origin ${ref}\` first when it exists only on the remote, or pass origin/${ref})`);
    }
    return result.stdout.toString("utf8").trim();
  }

  /**
   * The blobs of `commit` under `paths` (relative to the directory the repository was opened at),
   * recursively, as `git ls-tree -r -z` lists them. Symbolic links and submodules are left out: they
   * are no files of a tree the compiler reads or writes.
   */
  listTree(commit: string, paths: readonly string[]): TreeEntry[] {
    const output = this.git(["ls-tree", "-r", "-z", commit, "--", ...paths]).stdout.toString("utf8");
    const entries: TreeEntry[] = [];
    for (const record of output.split("\0")) {
      const tab = record.indexOf("\t");
      if (tab < 0) continue;
      const [mode, type, oid] = record.slice(0, tab).split(" ");
      if (type === "blob" && mode !== "120000") entries.push({ path: record.slice(tab + 1), oid: oid! });
    }
    return entries;
  }

  /** The content of every blob asked for, read by one `git cat-file --batch` process. */
  readBlobs(oids: Iterable<string>): Map<string, Buffer> {
    const wanted = [...new Set(oids)];
    const blobs = new Map<string, Buffer>();
    if (wanted.length === 0) return blobs;
    const output = this.git(["cat-file", "--batch"], true, wanted.join("\n") + "\n").stdout;
    let at = 0;
    for (const oid of wanted) {
      const newline = output.indexOf(10, at);
      const header = output.subarray(at, newline).toString("utf8").split(" ");
      if (header[1] !== "blob") throw new Error(`git cat-file: ${oid} is ${header.slice(1).join(" ")}`);
      const size = Number(header[2]);
      blobs.set(oid, output.subarray(newline + 1, newline + 1 + size));
      at = newline + 1 + size + 1;
    }
    return blobs;
  }

  /** The id git gives a blob of these bytes (`git hash-object`), computed in-process. */
  blobId(content: string | Buffer): string {
    return blobIdIn(this.objectFormat, content);
  }

  private git(args: readonly string[], check = true, input?: string) {
    const result = spawnSync("git", args, { cwd: this.cwd, input, maxBuffer: MAX_OUTPUT_BYTES });
    if (check && result.status !== 0) throw new Error(`git ${args[0]} failed: ${result.stderr.toString("utf8").trim()}`);
    return result;
  }
}
