import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadClusterCache } from "./cluster-cache.js";
import { planChanges, type FileChange } from "./change-plan.js";
import { compile, type CompileOptions, type CompileResult } from "./compile.js";
import { formatText, hasErrors, type Diagnostic } from "./diagnostics.js";
import { compareTrees, isEmpty } from "./emit/compare.js";
import { diffAgainstBase } from "./diff/diff.js";
import type { DiffReport } from "./diff/report.js";
import { diffJson, diffText } from "./diff/format.js";
import { GitRepository, GitUsageError } from "./diff/git.js";
import { diffMarkdown } from "./diff/markdown.js";
import { explainCluster } from "./explain.js";
import { recordRendered, scanRendered, type RenderedTree } from "./emit/scan.js";
import {
  finishInterruptedRender, hasInterruptedRender, Journal, LockedError, treeChange, withLock, type TreeChange,
} from "./emit/tree.js";
import { inventoryOf } from "./placement/inventory.js";
import { formatPools, type PoolsFormat } from "./pools-report.js";
import { RULE_CATALOG } from "./rule-catalog.js";
import { sarifLog, type Tool } from "./sarif.js";
import { RENDERED_DIR } from "./source/load.js";
import { loadParseCache } from "./source/parse-cache.js";

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;
const EXIT_USAGE = 2;

/** Each command's usage line and what it does, as `clusterc COMMAND --help` prints it. */
const COMMAND_HELP = {
  render: {
    usage: "clusterc render [--root DIR] [--only NAME...]",
    summary: "write rendered/ from clusters/ and policies/",
    options: [
      ["--root DIR", "the project directory (default: the current directory)"],
      ["--only NAME", "write only the named clusters' folders (and the fleet-wide files); repeatable"],
    ],
  },
  check: {
    usage: "clusterc check  [--root DIR]",
    summary: "exit 1 if rendered/ is stale or a rule fails; print the diff",
    options: [["--root DIR", "the project directory (default: the current directory)"]],
  },
  lint: {
    usage: "clusterc lint   [--root DIR] [--format text|json|github|sarif]",
    summary: "diagnostics only",
    options: [
      ["--root DIR", "the project directory (default: the current directory)"],
      ["--format FORMAT", "text (default), json, github (GitHub Actions annotations), or sarif (SARIF 2.1.0, for code scanning)"],
    ],
  },
  diff: {
    usage: "clusterc diff   --base REF [--root DIR] [--format text|markdown|json]",
    summary: "what the specs change in rendered/ against commit REF, per cluster; writes nothing",
    options: [
      ["--base REF", "the commit to compare with: a branch, tag or commit, e.g. origin/main"],
      ["--root DIR", "the project directory (default: the current directory)"],
      ["--format FORMAT", "text (default), markdown (one pull-request comment) or json"],
    ],
  },
  release: {
    usage: "clusterc release --pool POOL --node NODE --path DIR [--node NODE --path DIR...] [--root DIR]",
    summary: "free directories that released hostPath volumes hold, then render",
    options: [
      ["--pool POOL", "the HostPathPool that lists the directories"],
      ["--node NODE", "a node of the pool; one per directory, in the order of --path"],
      ["--path DIR", "a directory on that node"],
      ["--root DIR", "the project directory (default: the current directory)"],
    ],
  },
  explain: {
    usage: "clusterc explain CLUSTER [--root DIR]",
    summary: "each effective setting of a cluster and which policy or spec line set it",
    options: [["--root DIR", "the project directory (default: the current directory)"]],
  },
  pools: {
    usage: "clusterc pools  [--root DIR] [--format text|json|markdown]",
    summary: "who holds each hostPath directory, what is free, how replicas spread",
    options: [
      ["--root DIR", "the project directory (default: the current directory)"],
      ["--format FORMAT", "text (default), json, or markdown (a pull-request comment)"],
    ],
  },
} as const satisfies Record<string, { usage: string; summary: string; options: readonly (readonly [string, string])[] }>;
type Command = keyof typeof COMMAND_HELP;

const EXIT_CODES = "exit codes: 0 ok, 1 findings (errors in specs, broken rules, stale output), 2 usage or internal error";

const USAGE = `usage:
${Object.values(COMMAND_HELP).map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}

  clusterc --version
  clusterc COMMAND --help

${EXIT_CODES}`;

function commandHelp(command: Command): string {
  const { usage, summary, options } = COMMAND_HELP[command];
  const width = Math.max(...options.map(([flag]) => flag.length));
  return `usage: ${usage}\n\n${summary}\n\noptions:\n${options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join("\n")}\n  ${"--help".padEnd(width)}  print this help\n\n${EXIT_CODES}`;
}

class UsageError extends Error {}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  /** Shows one line of progress in place of the last one; "" clears it. Absent unless stderr is a terminal outside CI. */
  progress?: (line: string) => void;
}

/** How often progress is redrawn at most: often enough to look alive, rarely enough to cost nothing. */
const PROGRESS_EVERY_MS = 100;

/**
 * Progress for `stream` (stderr): an overwritten line on a terminal, nothing when the stream is a
 * pipe or a file, or when CI is set (CI logs keep every carriage return as a line of their own).
 */
export function terminalProgress(stream: { isTTY?: boolean; write: (text: string) => unknown }, env: Readonly<Record<string, string | undefined>>): Io["progress"] {
  if (!stream.isTTY || env.CI) return undefined;
  return (line) => { stream.write(`\r${line}\x1b[K`); };
}

/** Runs one command line; returns the exit code. Kept free of process globals so tests can call it. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command !== undefined && Object.hasOwn(COMMAND_HELP, command) && (rest.includes("--help") || rest.includes("-h"))) {
      io.out(commandHelp(command as Command) + "\n");
      return EXIT_OK;
    }
    switch (command) {
      case "render": return await render(rest, io);
      case "check": return await check(rest, io);
      case "lint": return await lint(rest, io);
      case "diff": return await diff(rest, io);
      case "release": return await release(rest, io);
      case "explain": return await explain(rest, io);
      case "pools": return await pools(rest, io);
      case "--version": case "version":
        io.out(`clusterc ${manifest().version}\n`);
        return EXIT_OK;
      case undefined: case "help": case "--help": case "-h":
        io.out(USAGE + "\n");
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      default: throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof LockedError) {
      io.err(`clusterc: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof UsageError || e instanceof GitUsageError) {
      io.err(`clusterc: ${e.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    io.err(`clusterc: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_USAGE;
  }
}

function parse<const T extends NonNullable<ParseArgsConfig["options"]>>(args: readonly string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const ROOT_OPTION = { root: { type: "string" } } as const;

/**
 * The project directory: --root, or the working directory. One without clusters/ is no clusterc
 * project (a mistyped --root, a CI step in the wrong directory): a usage error, before anything is
 * read or written, so such a run can never pass as "up to date".
 */
function projectRoot(io: Io, root: string | undefined): string {
  const resolved = path.resolve(io.cwd, root ?? ".");
  if (!statSync(path.join(resolved, "clusters"), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`${resolved} is not a clusterc project: it has no clusters/ folder; run from the repository's top, or pass --root DIR`);
  }
  return resolved;
}

async function render(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...ROOT_OPTION, only: { type: "string", multiple: true } });
  const root = projectRoot(io, values.root);
  return writeRendered(root, {}, values.only ?? [], io);
}

/**
 * Frees directories that released hostPath volumes hold, and renders: the state file and the volumes
 * change together, or, on any error (a current replica still keeps a directory), not at all. Several
 * directories go in one run, so a cluster that needs all of them can be added in the same change.
 */
async function release(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...ROOT_OPTION, pool: { type: "string" }, node: { type: "string", multiple: true }, path: { type: "string", multiple: true },
  });
  const { pool, node: nodes = [], path: paths = [] } = values;
  if (pool === undefined || nodes.length === 0 || nodes.length !== paths.length) {
    throw new UsageError("release needs --pool and, for each directory to free, --node and --path");
  }
  const directories = nodes.map((node, i) => ({ pool, node, path: paths[i]! }));
  const root = projectRoot(io, values.root);
  const code = await writeRendered(root, { release: directories }, [], io, (result) => checkReleaseTargets(result, pool, nodes));
  if (code === EXIT_OK) io.err(directories.map((d) => `freed ${d.path} on node ${d.node} of pool ${d.pool}\n`).join(""));
  return code;
}

/**
 * A pool or node that neither the pools nor the state file know is a typo on the command line, not
 * a finding in the repository: a usage error that names what is known.
 */
function checkReleaseTargets(result: CompileResult, pool: string, nodes: readonly string[]): void {
  const placed = result.placements ?? [];
  const listed = result.fleet?.pools.get(pool);
  const known = new Set([...result.fleet?.pools.keys() ?? [], ...placed.map((p) => p.pool)]);
  if (!known.has(pool)) throw new UsageError(`release --pool: no HostPathPool named ${pool} (pools: ${[...known].sort().join(", ") || "none"})`);
  const poolNodes = new Set([...listed?.nodes.map((n) => n.name) ?? [], ...placed.filter((p) => p.pool === pool).map((p) => p.node)]);
  const unknown = [...new Set(nodes.filter((node) => !poolNodes.has(node)))];
  if (unknown.length > 0) throw new UsageError(`release --node: pool ${pool} has no node named ${unknown.join(", ")} (nodes: ${[...poolNodes].sort().join(", ")})`);
}

/**
 * Compiles and writes the result into rendered/ (only the named clusters' folders with --only),
 * unless it has errors; under the lock, after finishing whatever a killed render left behind, so
 * the compile reads a whole tree and no other render writes in between. `checkRequest` throws a
 * usage error for a command line the compiled fleet refutes, before anything is printed or written.
 */
async function writeRendered(root: string, options: CompileOptions, only: readonly string[], io: Io, checkRequest?: (result: CompileResult) => void): Promise<number> {
  return withLock(root, async () => {
    const recovered = finishInterruptedRender(root);
    if (recovered === "finished") io.err(`finished writing ${RENDERED_DIR}/ for a render that was interrupted\n`);
    const onDisk = await scanRendered(root);
    const journal = Journal.open(root);
    try {
      const result = await compileCached(root, io, { ...options, stage: (file, text) => journal.stage(file, text) }, onDisk);
      checkRequest?.(result);
      if (hasErrors(result.diagnostics)) {
        printDiagnostics(result.diagnostics, root, io);
        io.err(`${RENDERED_DIR}/ left unchanged: fix the errors above and render again\n`);
        return EXIT_FINDINGS;
      }
      const change = selectOnly(treeChange(result.digests, journal.files(), (file) => journal.text(file), onDisk.digests), result, only);
      printDiagnostics(withChangePlan(result, onDisk, change), root, io);
      if (change.write.length + change.remove.length === 0) {
        recordRendered(root, onDisk);
        io.err(`${RENDERED_DIR}/ is up to date (${onDisk.digests.size} files)\n`);
        return EXIT_OK;
      }
      journal.commit(change);
      recordRendered(root, onDisk, change, result.digests);
      const added = change.write.filter((file) => !onDisk.digests.has(file)).length;
      const files = onDisk.digests.size + added - change.remove.length;
      io.err(`${RENDERED_DIR}/: ${added} added, ${change.write.length - added} changed, ${change.remove.length} removed (${files} files)\n`);
      return EXIT_OK;
    } finally {
      journal.discard();
    }
  });
}

/**
 * Compiles, reusing what earlier runs under root parsed and compiled while its inputs are unchanged;
 * with `onDisk`, a cluster's output is reused only while rendered/ still holds it.
 */
async function compileCached(root: string, io: Io, options: CompileOptions = {}, onDisk?: RenderedTree): Promise<CompileResult> {
  const cache = loadClusterCache(root, onDisk?.digests);
  const parsed = loadParseCache(root);
  const progress = io.progress && throttled(io.progress);
  const result = await compile(root, { ...options, cache, parsed, ...(onDisk && { onDisk: onDisk.digests }), ...(progress && { progress }) });
  io.progress?.("");
  cache.save(root);
  parsed.save(root);
  return result;
}

/** `compiled 400/1000 clusters`, drawn at most every PROGRESS_EVERY_MS, and always when the last one is done. */
function throttled(show: (line: string) => void): (done: number, total: number) => void {
  let shownAt = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - shownAt < PROGRESS_EVERY_MS) return;
    shownAt = now;
    show(`compiled ${done}/${total} clusters`);
  };
}

/**
 * The compile's findings and the change planner's warnings about syncing `change` over what is on
 * disk (rendered/ as committed), each once: the scale-down rule and the planner word a shrink alike.
 */
function withChangePlan(result: CompileResult, onDisk: RenderedTree, change: TreeChange): Diagnostic[] {
  // A change that only adds files (a first render) changes no object that exists. Otherwise `after`
  // is read only when the planner needs it.
  const changesAny = change.remove.length > 0 || change.write.some((file) => onDisk.digests.has(file));
  const changes: FileChange[] = !changesAny ? [] : [
    ...change.write.map((file) => ({ file, ...(onDisk.digests.has(file) && { before: onDisk.text(file) }), get after() { return change.text(file); } })),
    ...change.remove.map((file) => ({ file, before: onDisk.text(file) })),
  ];
  const planned = result.diagnose(planChanges(changes, result.fleet!));
  return [...new Map([...result.diagnostics, ...planned].map((d) => [formatText(d), d])).values()];
}

/**
 * With --only, the named clusters' folders and the fleet-wide files (Argo CD and Flux folders, the
 * hostPath state) change, and the other clusters' folders keep what is on disk. The whole fleet is
 * still compiled, so cross-cluster rules (shared hostPath pools) still hold.
 */
function selectOnly(change: TreeChange, result: CompileResult, only: readonly string[]): TreeChange {
  if (only.length === 0) return change;
  const clusters = result.fleet!.clusters;
  const unknown = only.filter((name) => !clusters.some((c) => c.name === name));
  if (unknown.length > 0) throw new UsageError(`--only: no cluster named ${unknown.join(", ")}`);
  const otherDirs = clusters.filter((c) => !only.includes(c.name)).map((c) => c.outputDir + "/");
  const changes = (file: string) => !otherDirs.some((dir) => file.startsWith(dir));
  return { ...change, write: change.write.filter(changes), remove: change.remove.filter(changes) };
}

async function check(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, ROOT_OPTION);
  const root = projectRoot(io, values.root);
  if (hasInterruptedRender(root)) {
    io.err(`a render was interrupted while writing ${RENDERED_DIR}/, which is half-written; run \`node bin/clusterc.js render\` to finish it\n`);
    return EXIT_FINDINGS;
  }
  const onDisk = await scanRendered(root);
  const result = await compileCached(root, io, {}, onDisk);
  recordRendered(root, onDisk);
  if (hasErrors(result.diagnostics)) {
    printDiagnostics(result.diagnostics, root, io);
    return EXIT_FINDINGS;
  }
  const change = treeChange(result.digests, result.files.keys(), (file) => result.files.get(file)!, onDisk.digests);
  printDiagnostics(withChangePlan(result, onDisk, change), root, io);
  const difference = await compareTrees(change, onDisk);
  if (isEmpty(difference)) {
    io.err(`${RENDERED_DIR}/ is up to date (${result.digests.size} files)\n`);
    return EXIT_OK;
  }
  io.out(difference.patch);
  const list = (label: string, files: string[]) => files.map((f) => `  ${label} ${RENDERED_DIR}/${f}\n`).join("");
  io.err(
    `${RENDERED_DIR}/ is stale: ${difference.missing.length} missing, ${difference.changed.length} changed, ${difference.extra.length} extra (no spec produces them)\n` +
      list("missing:", difference.missing) + list("changed:", difference.changed) + list("extra:  ", difference.extra) +
      `run \`node bin/clusterc.js render\` and commit the result\n`,
  );
  return EXIT_FINDINGS;
}

const DIFF_FORMATS = { text: diffText, markdown: (report: DiffReport) => diffMarkdown(report), json: diffJson } as const;

/**
 * What the working tree's specs change against a base commit: its committed rendered/, read from
 * git objects, against the specs compiled in memory as check compiles them. Writes nothing but the
 * caches; errors in the specs are printed as check prints them, and then there is no diff.
 */
async function diff(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...ROOT_OPTION, base: { type: "string" }, format: { type: "string", default: "text" } });
  const { base: ref, format } = values;
  if (ref === undefined || ref === "") throw new UsageError("diff needs --base REF: the commit to compare with, e.g. --base origin/main");
  if (!Object.hasOwn(DIFF_FORMATS, format)) throw new UsageError(`--format must be text, markdown or json, not ${format}`);
  const root = projectRoot(io, values.root);
  const repo = GitRepository.open(root);
  const commit = repo.resolveCommit(ref);
  const onDisk = await scanRendered(root);
  const result = await compileCached(root, io, {}, onDisk);
  recordRendered(root, onDisk);
  printDiagnostics(result.diagnostics, root, io);
  if (hasErrors(result.diagnostics)) return EXIT_FINDINGS;
  const { report } = await diffAgainstBase(repo, ref, commit, root, result, onDisk, io.err);
  io.out(DIFF_FORMATS[format as keyof typeof DIFF_FORMATS](report));
  return EXIT_OK;
}

async function lint(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...ROOT_OPTION, format: { type: "string", default: "text" } });
  const format = values.format;
  if (!["text", "json", "github", "sarif"].includes(format)) throw new UsageError(`--format must be text, json, github or sarif, not ${format}`);
  const root = projectRoot(io, values.root);
  const { diagnostics } = await compileCached(root, io);
  const display = (d: Diagnostic) => ({
    ...d, file: displayPath(root, d.file, io), related: d.related?.map((r) => ({ ...r, file: displayPath(root, r.file, io) })),
  });
  if (format === "json") io.out(JSON.stringify(diagnostics.map(display), null, 2) + "\n");
  else if (format === "github") io.out(diagnostics.map((d) => githubAnnotation(display(d))).join(""));
  else if (format === "sarif") io.out(JSON.stringify(sarifLog(diagnostics, RULE_CATALOG, manifest()), null, 2) + "\n");
  else printDiagnostics(diagnostics, root, io, io.out, true);
  if (format === "text" && diagnostics.length === 0) io.err("no findings\n");
  return hasErrors(diagnostics) ? EXIT_FINDINGS : EXIT_OK;
}

async function explain(args: readonly string[], io: Io): Promise<number> {
  const parsed = parse(args, ROOT_OPTION, true);
  if (parsed.positionals.length !== 1) throw new UsageError("explain takes one cluster name");
  const name = parsed.positionals[0]!;
  const root = projectRoot(io, parsed.values.root);
  const result = await compile(root);
  const cluster = result.fleet?.clusters.find((c) => c.name === name);
  if (!cluster) {
    printDiagnostics(result.diagnostics, root, io);
    if (hasErrors(result.diagnostics)) return EXIT_FINDINGS;
    throw new UsageError(`no cluster named ${name}`);
  }
  io.out(explainCluster(cluster, result.locate));
  return EXIT_OK;
}

/**
 * The hostPath layout that `render` would write: every directory of every pool with its holder, what
 * is free, and how each cluster's replicas spread. Errors in the specs are printed too; the layout is
 * still shown when only rules failed (a pool without room is when one wants to see it most).
 */
async function pools(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...ROOT_OPTION, format: { type: "string", default: "text" } });
  const format = values.format;
  if (!isPoolsFormat(format)) throw new UsageError(`--format must be text, json or markdown, not ${format}`);
  const root = projectRoot(io, values.root);
  const result = await compileCached(root, io);
  printDiagnostics(result.diagnostics, root, io);
  if (result.fleet && result.placements) io.out(formatPools(inventoryOf(result.fleet.pools, result.placements), format));
  return hasErrors(result.diagnostics) ? EXIT_FINDINGS : EXIT_OK;
}

function isPoolsFormat(format: string): format is PoolsFormat {
  return ["text", "json", "markdown"].includes(format);
}

/** The version and home in package.json, two folders up from this module in dist/ (the bundle and the compiled modules alike). */
function manifest(): Tool {
  const file = fileURLToPath(new URL("../../package.json", import.meta.url));
  const { version, homepage } = JSON.parse(readFileSync(file, "utf8")) as Tool;
  return homepage ? { version, homepage } : { version };
}

/** A GitHub Actions workflow command, which shows the finding on the pull request's diff. */
function githubAnnotation(d: Diagnostic): string {
  const escape = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  return `::${d.severity === "note" ? "notice" : d.severity} file=${d.file},line=${d.line},col=${d.col},title=${d.ruleId}::${escape(d.message)}\n`;
}

function displayPath(root: string, file: string, io: Io): string {
  return path.relative(io.cwd, path.join(root, file)) || file;
}

const SEVERITY_ORDER = ["error", "warning", "note"];

/**
 * Prints errors, then warnings; notes (suppressed findings, pods below restricted) only where asked,
 * as lint does. Errors come first so a long list of warnings never hides what stops a render.
 */
function printDiagnostics(diagnostics: readonly Diagnostic[], root: string, io: Io, write = io.err, withNotes = false): void {
  const ordered = [...diagnostics].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  for (const d of ordered) {
    if (d.severity !== "note" || withNotes) write(formatText(d, (file) => displayPath(root, file, io)) + "\n");
  }
}
