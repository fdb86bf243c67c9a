import { compareDiagnostics, hasErrors, type Diagnostic, type Finding, type Origin } from "./diagnostics.js";
import { ENGINES } from "./engines/index.js";
import { applyExceptions } from "./exceptions.js";
import { ClusterCache, compilerVersion, digest, type ClusterOutput } from "./cache.js";
import type { ClusterBuild, Engine } from "./engines/types.js";
import { layoutCluster } from "./emit/layout.js";
import { buildFleet, type Cluster, type Fleet } from "./fleet/fleet.js";
import type { DirectoryRef } from "./fleet/hostpath.js";
import { deliveryFolders, layoutDelivery } from "./gitops/delivery.js";
import { hostPathDemands, placementsOf, planHostPaths } from "./rules/hostpath-layout.js";
import { RULES } from "./rules/index.js";
import type { RuleContext } from "./rules/types.js";
import { validateDocuments, type ValidDocument } from "./schema/index.js";
import { loadSources, type SourceFile } from "./source/load.js";
import { locateFindings, locateOrigin } from "./source/locate.js";
import { layoutPlacements, loadPlacements } from "./source/placements.js";
import { validateManifests } from "./validate/validate.js";

export interface CompileResult {
  /** The whole rendered/ tree, keyed by path under rendered/; empty when there are errors. */
  files: Map<string, string>;
  diagnostics: Diagnostic[];
  fleet?: Fleet;
  /** Line and column of an origin in the sources, for commands that point at spec lines themselves. */
  locate: (origin: Origin) => { line: number; col: number };
}

export interface CompileOptions {
  /** The day policy exceptions are checked against (YYYY-MM-DD, UTC); today by default. */
  today?: string;
  /** Directories to free before allocating (`clusterc release`); refused while a current replica keeps one. */
  release?: readonly DirectoryRef[];
  /** Outputs of earlier runs to reuse for clusters whose inputs did not change; nothing is reused without it. */
  cache?: ClusterCache;
}

/**
 * Runs every stage in order: source, schema, fleet, engines, rules, validate, emit. Each stage
 * reports all it finds; a stage that found errors is the last one run, since later stages would
 * only repeat them. Nothing here touches rendered/.
 */
export async function compile(root: string, options: CompileOptions = {}): Promise<CompileResult> {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const sources = await loadSources(root);
  const previous = await loadPlacements(root);
  const located = new Map([...sources.files, ...previous.files]);
  const documents = [...sources.files.values()].flatMap((file) => file.documents);
  const finish = (findings: Finding[], files = new Map<string, string>(), fleet?: Fleet): CompileResult => {
    const diagnostics = locateFindings(findings, located).sort(compareDiagnostics);
    const locate = (origin: Origin) => locateOrigin(origin, located);
    return { files: hasErrors(diagnostics) ? new Map() : files, diagnostics, locate, ...(fleet && { fleet }) };
  };

  const findings = [...sources.findings, ...previous.findings];
  const schema = validateDocuments(documents);
  findings.push(...schema.findings);
  const fleetResult = buildFleet(schema.documents, (kind) => ENGINES[kind as keyof typeof ENGINES]?.resourceDefaults ?? []);
  findings.push(...fleetResult.findings);
  if (findings.some((f) => f.severity === "error")) return finish(findings);

  const { fleet } = fleetResult;
  const builds = fleet.clusters.map(expand);
  const hostPaths = planHostPaths(builds.flatMap(hostPathDemands), fleet, previous.placements, options.release);
  const context: RuleContext = { fleet, hostPaths };
  const cache = options.cache ?? new ClusterCache();
  const inputs = sharedInputs(sources.files, schema.documents);
  const outputs: ClusterOutput[] = [];
  for (const build of builds) {
    const placements = placementsOf(hostPaths, build.cluster.name).map((p) => [p.pool, p.node, p.path, p.claim.namespace, p.claim.name, p.state]);
    const key = digest([compilerVersion(), inputs, sources.files.get(build.cluster.origin.file)!.text, String(build.cluster.origin.doc), JSON.stringify(placements)]);
    outputs.push(await cache.outputFor(build.cluster.name, key, () => compileCluster(build, context)));
  }
  const ruleFindings = [...hostPaths.findings, ...outputs.flatMap((o) => o.findings)];
  findings.push(...applyExceptions(ruleFindings, fleet, RULES.map((r) => r.id), today));
  if (findings.some((f) => f.severity === "error")) return finish(findings, undefined, fleet);

  const delivery = fleet.gitops ? deliveryFolders(fleet.gitops, fleet.clusters) : [];
  findings.push(...await validateManifests(delivery.flatMap((b) => b.manifests)));
  const files = new Map([...outputs.flatMap((o) => o.files), ...layoutDelivery(delivery), ...layoutPlacements(hostPaths.placements)]);
  return finish(findings, files, fleet);
}

/**
 * One cluster through the rules (in order, each seeing the output of the one before), OpenAPI
 * validation and layout. Depends only on the build and the context, which is what the cache keys on.
 */
async function compileCluster(build: ClusterBuild, context: RuleContext): Promise<ClusterOutput> {
  let current = build;
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const result = rule.run([current], context);
    current = result.builds[0]!;
    findings.push(...result.findings);
  }
  findings.push(...await validateManifests(current.manifests));
  return { files: layoutCluster(current), findings };
}

/** The text of every file that holds a policy or a pool: inputs that any cluster's output may depend on. */
function sharedInputs(files: ReadonlyMap<string, SourceFile>, documents: readonly ValidDocument[]): string {
  const shared = new Set(documents.filter((d) => d.document.kind === "Policy" || d.document.kind === "HostPathPool").map((d) => d.source.file));
  return digest([...shared].sort().flatMap((file) => [file, files.get(file)!.text]));
}

function expand(cluster: Cluster): ClusterBuild {
  const engine = ENGINES[cluster.kind] as Engine;
  return engine.expand(cluster);
}
