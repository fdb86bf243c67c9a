import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { run } from "../compiler/cli.js";
import { compile, type CompileOptions } from "../compiler/compile.js";
import { readTree } from "../compiler/emit/scan.js";

/** The repository root; tests run from dist/test/, fixtures stay in test/fixtures/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function fixturePath(...parts: string[]): string {
  return path.join(REPO_ROOT, "test", "fixtures", ...parts);
}

/**
 * The example fleet as it was checked against the seed articles once: a copy of clusters/ and
 * policies/ under test/fixtures/, so the suite passes for any fleet a team keeps in clusters/.
 */
export const EXAMPLE_FLEET = fixturePath("example-fleet");

/** A throw-away project holding the example fleet (its GitOps document edited by `editGitOps`), rendered. */
export async function renderExampleFleet(editGitOps: (text: string) => string = (text) => text) {
  const project = await tempProject({});
  for (const dir of ["clusters", "policies"]) await cp(path.join(EXAMPLE_FLEET, dir), path.join(project.root, dir), { recursive: true });
  const gitopsFile = path.join(project.root, "clusters/gitops.yaml");
  await writeFile(gitopsFile, editGitOps(await readFile(gitopsFile, "utf8")));
  const { code, stderr } = await runCli(["render"], project.root);
  if (code !== 0) throw new Error(`the example fleet does not render: ${stderr}`);
  return { ...project, files: await readTree(path.join(project.root, "rendered")) };
}

/** A throw-away project directory holding `files` (path -> content); removed by the returned cleanup. */
export async function tempProject(files: Record<string, string>): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), "clusterc-test-"));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Runs the CLI in-process, as a user would from `cwd`, and captures what it prints. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

/** A TiDBCluster document named `name` whose spec block is `spec` (lines indented two spaces). */
export function tidbSpec(name: string, spec: string): string {
  return `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: ${name} }
spec:
${spec}`;
}

/** HostPathPool dc1: three nodes, two 100Gi directories each; room for two components of three replicas. */
export const THREE_NODE_POOL = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: dc1 }
spec:
  nodes:
    - { name: n1, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 100Gi }] }
    - { name: n2, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 100Gi }] }
    - { name: n3, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 100Gi }] }
`;

export const MINIMAL_TIDB_SPEC = `  version: v7.5.1
  pd: { replicas: 3, storage: { size: 10Gi } }
  tikv: { replicas: 3, storage: { size: 100Gi } }
  rootPassword: { secretRef: { name: root, key: password } }
`;

/** What render and check print: errors and warnings. Notes (suppressed findings, pods below restricted) are lint's. */
export function reported<D extends { severity: string }>(diagnostics: readonly D[]): D[] {
  return diagnostics.filter((d) => d.severity !== "note");
}

/** Compiles a throw-away project and returns its rendered objects, parsed, keyed by path under rendered/. */
export async function compileProject(files: Record<string, string>, options: CompileOptions = {}) {
  const project = await tempProject(files);
  try {
    const result = await compile(project.root, options);
    const objects = new Map([...result.files].map(([file, text]) => [file, parse(text) as RenderedObject]));
    return { ...result, objects };
  } finally {
    await project.cleanup();
  }
}

/** A rendered object as a test reads it: loosely typed, walked with optional chaining. */
export type RenderedObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; [key: string]: any };
