import { lstatSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Finding, Origin } from "../diagnostics.js";
import { API_VERSION, dnsLabel } from "../schema/common.js";
import { issuesToFindings } from "../schema/issues.js";
import { compareText } from "../text-order.js";
import { readCached, RENDERED_DIR, type SourceFile } from "../source/load.js";
import { ParseCache } from "../source/parse-cache.js";

/** Name of the state file under rendered/: every hostPath directory handed to a claim. */
export const PLACEMENTS_NAME = "hostpath-placements.yaml";
/** The state file, relative to the project root, as diagnostics name it. */
export const PLACEMENTS_FILE = `${RENDERED_DIR}/${PLACEMENTS_NAME}`;
/** Rule ID of a state file that cannot be read; the fix is always to get back a file clusterc wrote. */
export const PLACEMENTS_RULE = "hostpath-placements-restore";

const claim = z.strictObject({
  namespace: dnsLabel.describe("Namespace of the PersistentVolumeClaim"),
  name: z.string().min(1).max(253).describe("Name of the PersistentVolumeClaim"),
});
export type Claim = z.output<typeof claim>;

const placement = z.strictObject({
  pool: dnsLabel.describe("HostPathPool that lists the directory"),
  node: z.string().min(1).max(253).describe("Node of the directory"),
  path: z.string().min(1).describe("The directory on the node"),
  claim: claim.describe("The claim the directory's volume is pre-bound to"),
  cluster: dnsLabel.describe("Cluster whose replica the claim belongs to"),
  component: z.string().min(1).describe("Component of that cluster"),
  state: z.enum(["bound", "released"])
    .describe("bound: a current replica claims it; released: its cluster was removed or its component scaled down"),
});
/** One directory handed to a claim, as the state file records it. */
export type PlacementEntry = z.output<typeof placement>;

const placementsDocument = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("HostPathPlacements"),
    placements: z.array(placement).describe("Sorted by pool, node and path"),
  })
  .superRefine((document, ctx) => {
    const directories = new Map<string, PlacementEntry>();
    const claims = new Map<string, PlacementEntry>();
    document.placements.forEach((entry, i) => {
      const directory = `${entry.pool}/${entry.node}:${entry.path}`;
      const claimKey = `${entry.claim.namespace}/${entry.claim.name}`;
      const holder = directories.get(directory);
      if (holder) {
        ctx.addIssue({ code: "custom", path: ["placements", i],
          message: `directory ${entry.path} on node ${entry.node} of pool ${entry.pool} is held by two claims (${claimOf(holder)} and ${claimKey}), as when two renders are merged` });
      }
      if (claims.has(claimKey)) {
        ctx.addIssue({ code: "custom", path: ["placements", i], message: `claim ${claimKey} is listed twice` });
      }
      directories.set(directory, entry);
      claims.set(claimKey, entry);
    });
  });

function claimOf(entry: PlacementEntry): string {
  return `${entry.claim.namespace}/${entry.claim.name}`;
}

/** A placement read back from the state file, with the entry it came from. */
export interface PlacementRecord extends PlacementEntry {
  origin: Origin;
}

export interface LoadedPlacements {
  /** The parsed state file, so findings can point into it; empty before the first render. */
  files: Map<string, SourceFile>;
  /** Empty when the file is absent or unreadable (then `findings` says why). */
  placements: PlacementRecord[];
  findings: Finding[];
}

/** Reads the placements of the last render; no file is a first render. */
export function loadPlacements(root: string, cache = new ParseCache()): LoadedPlacements {
  const absolute = path.join(root, PLACEMENTS_FILE);
  const syntax: Finding[] = [];
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  const source = readCached(absolute, PLACEMENTS_FILE, stats, syntax, cache, () => readIfPresent(absolute));
  return source ? readPlacements(source, syntax, cache) : { files: new Map(), placements: [], findings: [] };
}

/** The file's text; undefined when there is none (a dangling link counts as none). */
function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

const RESTORE = `${PLACEMENTS_FILE} is written by clusterc render, never by hand: restore it from git (git checkout -- ${PLACEMENTS_FILE}) and render again`;

/** Validates the parsed state file; `syntax` holds its YAML errors. */
function readPlacements(source: SourceFile, syntax: Finding[], cache: ParseCache): LoadedPlacements {
  const files = new Map([[PLACEMENTS_FILE, source]]);
  const unreadable = (findings: Finding[]): LoadedPlacements => ({
    files,
    placements: [],
    findings: findings.map((f) => ({ ...f, ruleId: PLACEMENTS_RULE, message: `${f.message}. ${RESTORE}` })),
  });
  if (syntax.length > 0) return unreadable(syntax);
  const [document, ...extra] = source.documents;
  if (document === undefined || extra.length > 0) {
    return unreadable([{ origin: { file: PLACEMENTS_FILE, doc: extra[0]?.index ?? 0, path: [] }, severity: "error", ruleId: PLACEMENTS_RULE,
      message: `must hold exactly one document (kind HostPathPlacements), not ${source.documents.length}` }]);
  }
  const checked = document.checked as z.output<typeof placementsDocument> | undefined;
  const result = checked ? { success: true as const, data: checked } : placementsDocument.safeParse(document.value);
  if (!result.success) return unreadable(issuesToFindings(result.error.issues, document.value, { file: PLACEMENTS_FILE, doc: document.index }));
  cache.rememberChecked([{ source: document, document: result.data }]);
  return {
    files,
    placements: result.data.placements.map((entry, i) => ({ ...entry, origin: { file: PLACEMENTS_FILE, doc: document.index, path: ["placements", i] } })),
    findings: [],
  };
}

/** What the state file records of each placement, sorted by directory. */
export function recordedPlacements(placements: readonly PlacementEntry[]): PlacementEntry[] {
  // placements carry more than the file records: copy out the recorded fields
  return [...placements]
    .sort((a, b) => compareText(a.pool, b.pool) || compareText(a.node, b.node) || compareText(a.path, b.path))
    .map(({ pool, node, path: directory, claim: { namespace, name }, cluster, component, state }) =>
      ({ pool, node, path: directory, claim: { namespace, name }, cluster, component, state }));
}
