import { compareDiagnostics, hasErrors, type Diagnostic, type Finding, type Origin } from "./diagnostics.js";
import { ENGINES } from "./engines/index.js";
import { applyExceptions } from "./exceptions.js";
import type { ClusterBuild, Engine } from "./engines/types.js";
import { layoutClusters } from "./emit/layout.js";
import { buildFleet, type Cluster, type Fleet } from "./fleet/fleet.js";
import type { DirectoryRef } from "./fleet/hostpath.js";
import { deliveryFolders, layoutDelivery } from "./gitops/delivery.js";
import { planHostPaths } from "./rules/hostpath-layout.js";
import { RULES } from "./rules/index.js";
import { validateDocuments } from "./schema/index.js";
import { loadSources } from "./source/load.js";
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
  let builds: readonly ClusterBuild[] = fleet.clusters.map(expand);
  const hostPaths = planHostPaths(builds, fleet, previous.placements, options.release);
  const context = { fleet, hostPaths };
  const ruleFindings: Finding[] = [];
  for (const rule of RULES) {
    const result = rule.run(builds, context);
    builds = result.builds;
    ruleFindings.push(...result.findings);
  }
  findings.push(...applyExceptions(ruleFindings, fleet, RULES.map((r) => r.id), today));
  if (findings.some((f) => f.severity === "error")) return finish(findings, undefined, fleet);

  const delivery = fleet.gitops ? deliveryFolders(fleet.gitops, fleet.clusters) : [];
  findings.push(...validateManifests([...builds, ...delivery].flatMap((b) => b.manifests)));
  return finish(findings, new Map([...layoutClusters(builds), ...layoutDelivery(delivery), ...layoutPlacements(hostPaths.placements)]), fleet);
}

function expand(cluster: Cluster): ClusterBuild {
  const engine = ENGINES[cluster.kind] as Engine;
  return engine.expand(cluster);
}
