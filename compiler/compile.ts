import { compareDiagnostics, hasErrors, type Diagnostic, type Finding, type Origin } from "./diagnostics.js";
import { ENGINES } from "./engines/index.js";
import { applyExceptions } from "./exceptions.js";
import { digest, textDigest } from "./cache.js";
import { ClusterCache, DELIVERY, type ClusterOutput } from "./cluster-cache.js";
import type { ClusterBuild, Engine } from "./engines/types.js";
import { layoutCluster } from "./emit/layout.js";
import { nodePortClaims, nodePortConflicts } from "./node-ports.js";
import { CLUSTER_STATE_NAME, loadClusterStates, nextClusterState, recordedClusterStates, type ClusterStateEntry } from "./fleet/cluster-state.js";
import { buildFleet, type Cluster, type Fleet } from "./fleet/fleet.js";
import { stoppedBy } from "./fleet/stopped.js";
import { layoutClusterStates, layoutPlacements } from "./emit/state-files.js";
import { deliveryFolders, layoutDelivery, type DeliveryFolder } from "./gitops/delivery.js";
import { deliveredCluster, namespaceLevels } from "./gitops/metadata.js";
import type { DirectoryRef, Placement } from "./placement/allocate.js";
import { hostPathDemands } from "./placement/demands.js";
import { placementsOf, planHostPaths } from "./placement/plan.js";
import { loadPlacements, PLACEMENTS_NAME, recordedPlacements } from "./placement/record.js";
import { RULES } from "./rules/index.js";
import { podsLevel } from "./rules/pod-security.js";
import type { RuleContext } from "./rules/types.js";
import { validateDocuments, type ValidDocument } from "./schema/index.js";
import { fileReferences, withFileContents } from "./schema/file-references.js";
import { loadSources, type SourceFile } from "./source/load.js";
import { readReferencedFiles } from "./source/referenced-files.js";
import { ParseCache } from "./source/parse-cache.js";
import { locateFindings, locateOrigin, withOffsets } from "./source/locate.js";
import { validateManifests } from "./validate/validate.js";

export interface CompileResult {
  /**
   * The rendered/ tree, keyed by path under rendered/ (both empty when there are errors): the
   * digest of every file, and the text of those compiled in this run that rendered/ does not hold
   * already (`onDisk`), unless `stage` took them. The files of a cluster whose cached output was
   * reused have a digest only: the cache found them on disk already.
   */
  digests: Map<string, string>;
  files: Map<string, string>;
  diagnostics: Diagnostic[];
  /** The clusters that were compiled (all but those whose own specs have errors), with every pool and policy; absent when errors stop them all. */
  fleet?: Fleet;
  /** Every hostPath directory held after this compile, bound or released: what `render` would record. */
  placements?: readonly Placement[];
  /** Line and column of an origin in the sources, for commands that point at spec lines themselves. */
  locate: (origin: Origin) => { line: number; col: number };
  /** Findings of a later stage (the change planner) as diagnostics, located like the compile's own. */
  diagnose: (findings: readonly Finding[]) => Diagnostic[];
}

export interface CompileOptions {
  /** The day policy exceptions are checked against (YYYY-MM-DD, UTC); today by default. */
  today?: string;
  /** Directories to free before allocating (`clusterc release`); refused while a current replica keeps one. */
  release?: readonly DirectoryRef[];
  /** Outputs of earlier runs to reuse for clusters whose inputs did not change; nothing is reused without it. */
  cache?: ClusterCache;
  /**
   * The digest of every file rendered/ holds: compiled files it holds with the same bytes keep no
   * text, since whoever needs them can read them there. At 10,000 clusters that text is 400 MB.
   */
  onDisk?: ReadonlyMap<string, string>;
  /**
   * Given, compiled files that rendered/ does not hold are handed to it as each cluster is
   * compiled, and `files` keeps no text: a render stages them in its journal.
   */
  stage?: (file: string, text: string) => void;
  /** Documents of source files parsed by earlier runs; every file is parsed without it. */
  parsed?: ParseCache;
  /** Told after each cluster is compiled (or taken from the cache), with how many there are. */
  progress?: (done: number, total: number) => void;
}

/**
 * Runs every stage in order: source, schema, fleet, engines, rules, validate, emit. Each stage
 * reports all it finds. Errors in a cluster's own spec document stop only that cluster: the others
 * still go through the engines and rules, so one run reports everything (see fleet/stopped). With
 * any error nothing is emitted. Nothing here touches rendered/.
 */
export async function compile(root: string, options: CompileOptions = {}): Promise<CompileResult> {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const sources = await loadSources(root, options.parsed);
  const previous = loadPlacements(root, options.parsed);
  const recorded = loadClusterStates(root, options.parsed);
  const located = new Map([...sources.files, ...previous.files, ...recorded.files]);
  const documents = [...sources.files.values()].flatMap((file) => file.documents);
  const finish = (findings: Finding[], outputs: readonly ClusterOutput[] = [], planned?: { fleet: Fleet; placements: readonly Placement[] }): CompileResult => {
    const diagnostics = locateFindings(findings, located).sort(compareDiagnostics);
    const locate = (origin: Origin) => locateOrigin(origin, located);
    const failed = hasErrors(diagnostics);
    const produced = failed ? [] : outputs;
    return {
      digests: new Map(produced.flatMap((o) => o.files)),
      files: new Map(produced.flatMap((o) => [...o.text ?? []])),
      diagnostics,
      locate,
      diagnose: (later) => locateFindings(later, located),
      ...planned,
    };
  };

  const findings = [...sources.findings, ...previous.findings, ...recorded.findings];
  const schema = validateDocuments(documents);
  options.parsed?.rememberChecked(schema.clean);
  findings.push(...schema.findings);
  const references = fileReferences(schema.documents);
  const referenced = readReferencedFiles(root, references);
  for (const [file, source] of referenced.located) located.set(file, source);
  findings.push(...referenced.findings);
  const fleetResult = buildFleet(withFileContents(schema.documents, referenced.contents), (kind) => ENGINES[kind as keyof typeof ENGINES]?.resourceDefaults ?? []);
  findings.push(...fleetResult.findings);
  // An error in a file a spec names (a VSchema file) stops the spec's cluster, as one in the spec itself does.
  const namedBy = (f: Finding) => { const by = references.filter((r) => r.file === f.origin.file); return by.length > 0 ? by.map((r) => ({ ...f, origin: r.origin })) : [f]; };
  const stopped = stoppedBy(findings.filter((f) => f.severity === "error").flatMap(namedBy), documents);
  if (stopped.all) return finish(findings);

  const fleet: Fleet = { ...fleetResult.fleet, clusters: fleetResult.fleet.clusters.filter((c) => !stopped.clusters.has(c.name)) };
  const held = (cluster: string) => stopped.clusters.has(cluster);
  const cache = options.cache ?? new ClusterCache();
  const shared = sharedInputs(sources.files, schema.documents);
  // A cluster's input: its spec document and file (the file's folder is its output folder), the files it names, and every policy and pool.
  const namedFiles = (file: string, doc: number) => references.filter((r) => r.origin.file === file && r.origin.doc === doc).flatMap((r) => [r.file, referenced.digests.get(r.file)!]);
  const inputs = new Map(fleet.clusters.map(({ name, origin: { file, doc } }) => [name, digest([shared, file, String(doc), sources.files.get(file)!.digest, ...namedFiles(file, doc)])]));
  const inputOf = (cluster: Cluster) => inputs.get(cluster.name)!;
  const states = new Map(fleet.clusters.map((cluster) => {
    const engine = engineOf(cluster);
    return [cluster.name, nextClusterState(cluster.name, engine.replicas(cluster), engine.bootstrapped ?? [], recorded.states.get(cluster.name))];
  }));
  // Expanded only when a cluster's demands or output must be computed: most runs reuse both for most
  // clusters. Dropped once its output is: holding every build to the end held every manifest of the fleet.
  const builds = new Map<string, ClusterBuild>();
  const buildOf = (cluster: Cluster) => builds.get(cluster.name) ?? builds.set(cluster.name, engineOf(cluster).expand(cluster, states.get(cluster.name)!)).get(cluster.name)!;
  const demands = fleet.clusters.flatMap((cluster) => cache.demandsFor(cluster.name, inputOf(cluster), () => hostPathDemands(buildOf(cluster))));
  const hostPaths = planHostPaths(demands, fleet, previous.placements, options.release, held);
  const context: RuleContext = { fleet, hostPaths, clusterStates: recorded.states };
  const outputs: ClusterOutput[] = [];
  for (const cluster of fleet.clusters) {
    // sorted: the plan lists placements of earlier renders in the state file's order, new ones in allocation order
    const placements = placementsOf(hostPaths, cluster.name).map((p) => JSON.stringify([p.pool, p.node, p.path, p.claim.namespace, p.claim.name, p.state])).sort();
    const key = digest([inputOf(cluster), JSON.stringify(stateEffects(states.get(cluster.name)!, recorded.states.get(cluster.name))), ...placements]);
    // Located in its spec while compiled, so reusing the output never parses the spec again to report its warnings.
    const spec = sources.files.get(cluster.origin.file)!;
    outputs.push(keptText(await cache.outputFor(cluster.name, key, async () => {
      const output = await compileCluster(buildOf(cluster), context);
      return { ...output, findings: withOffsets(output.findings, spec) };
    }), options));
    builds.delete(cluster.name);
    options.progress?.(outputs.length, fleet.clusters.length);
  }
  const ruleFindings = [...hostPaths.findings, ...outputs.flatMap((o) => o.findings)];
  findings.push(...applyExceptions(ruleFindings, fleet, RULES.map((r) => r.id), today, held));
  findings.push(...nodePortConflicts(outputs.flatMap((o) => o.nodePorts ?? [])));
  const planned = { fleet, placements: hostPaths.placements };
  if (findings.some((f) => f.severity === "error")) return finish(findings, [], planned);

  // Keyed by what the objects are made of, not by the clusters' inputs: most edits to a spec leave them as they are.
  const { gitops } = fleet;
  const levels = namespaceLevels(fleet.clusters.map((cluster, i) => ({ namespace: cluster.namespace, level: outputs[i]!.podSecurity! })));
  const delivered = fleet.clusters.map((cluster, i) => deliveredCluster(cluster, outputs[i]!.stages, levels.get(cluster.namespace)!));
  const deliveryKey = digest([JSON.stringify(gitops ?? null), JSON.stringify(delivered)]);
  const deliveryOutput = await cache.outputFor(DELIVERY, deliveryKey, () => compileDelivery(gitops ? deliveryFolders(gitops, delivered) : []));
  findings.push(...deliveryOutput.findings);
  const state = recordedPlacements(hostPaths.placements);
  const stateOutput = await cache.outputFor(PLACEMENTS_NAME, digest([JSON.stringify(state)]), async () => fileOutput(layoutPlacements(state), [], []));
  const clusterStates = recordedClusterStates([...states.values()]);
  const clusterStateOutput = await cache.outputFor(CLUSTER_STATE_NAME, digest([JSON.stringify(clusterStates)]), async () => fileOutput(layoutClusterStates(clusterStates), [], []));
  outputs.push(...[deliveryOutput, stateOutput, clusterStateOutput].map((output) => keptText(output, options)));
  return finish(findings, outputs, planned);
}

/**
 * One cluster through the rules (in order, each seeing the output of the one before), OpenAPI
 * validation and layout. Depends only on the build and the context: the cluster's input and its
 * placements, which is what the cache keys on.
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
  const layout = layoutCluster(current);
  return { ...fileOutput(new Map(layout.files), findings, layout.stages), podSecurity: podsLevel(current), nodePorts: nodePortClaims(current.manifests) };
}

/** The Argo CD and Flux folders, checked against their CRDs' OpenAPI models. */
async function compileDelivery(delivery: readonly DeliveryFolder[]): Promise<ClusterOutput> {
  return fileOutput(layoutDelivery(delivery), await validateManifests(delivery.flatMap((folder) => folder.manifests)), []);
}

/** The output with the text of only the files rendered/ lacks, or with none once `stage` has them. */
function keptText(output: ClusterOutput, { onDisk, stage }: CompileOptions): ClusterOutput {
  const { text } = output;
  if (text === undefined || (onDisk === undefined && stage === undefined)) return output;
  const lacking = output.files.filter(([file, digest]) => onDisk?.get(file) !== digest).map(([file]) => file);
  if (stage === undefined) return { ...output, text: new Map(lacking.map((file) => [file, text.get(file)!])) };
  for (const file of lacking) stage(file, text.get(file)!);
  return { ...output, text: new Map() };
}

function fileOutput(text: Map<string, string>, findings: Finding[], stages: string[]): ClusterOutput {
  return { files: [...text].map(([file, content]) => [file, textDigest(content)]), text, findings, stages };
}

/** Every file that holds a policy or a pool, by the digest of its text: inputs that any cluster's output may depend on. */
function sharedInputs(files: ReadonlyMap<string, SourceFile>, documents: readonly ValidDocument[]): string {
  const shared = new Set(documents.filter((d) => d.document.kind === "Policy" || d.document.kind === "HostPathPool").map((d) => d.source.file));
  return digest([...shared].sort().flatMap((file) => [file, files.get(file)!.digest]));
}

/**
 * What of the recorded state a cluster's output depends on: the bootstrap members it starts with, and
 * which components have fewer replicas than last rendered (the scale-down warning). Not the recorded
 * entry itself, which a first render only adds: the next run would compile the cluster again for nothing.
 */
function stateEffects(next: ClusterStateEntry, last: ClusterStateEntry | undefined): unknown {
  const shrunk = Object.entries(next.replicas).filter(([component, n]) => (last?.replicas[component] ?? n) > n).map(([c, n]) => [c, last!.replicas[c], n]);
  return [next.bootstrap, shrunk];
}

function engineOf(cluster: Cluster): Engine {
  return ENGINES[cluster.kind] as Engine;
}
