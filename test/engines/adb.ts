import assert from "node:assert/strict";
import { compileProject, type RenderedObject } from "../helpers.js";

/** SPEC's minimal AntDBCluster, exactly as written there. */
export const ADB = `apiVersion: clusterc/v1
kind: AntDBCluster
metadata: { name: adb, namespace: antdb }
spec:
  image: asiainfo/antdb50:1.1
  gtm: { standby: true }
  coordinators: { replicas: 1 }
  datanodes: { replicas: 2, standby: true }
  storage: { size: 10Gi, hostPath: { pool: dc1 } }
`;

/** A pool of `count` nodes n1..nN with `dirs` 20Gi directories each. */
export function pool(count: number, dirs = 2): string {
  const nodes = Array.from({ length: count }, (_, i) =>
    `    - { name: n${i + 1}, directories: [${Array.from({ length: dirs }, (_, d) => `{ path: /data/pv/d${d}, capacity: 20Gi }`).join(", ")}] }`);
  return `apiVersion: clusterc/v1\nkind: HostPathPool\nmetadata: { name: dc1 }\nspec:\n  nodes:\n${nodes.join("\n")}\n`;
}

/** An AntDBCluster `adb` spec rendered beside a pool: every object, a finder, and the diagnostics. */
export async function renderAdb(spec = ADB, files: Record<string, string> = { "clusters/pool.yaml": pool(4) }) {
  const { objects, diagnostics } = await compileProject({ ...files, "clusters/prod/adb.yaml": spec });
  const find = (kind: string, name: string): RenderedObject => {
    const found = [...objects.values()].find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name} is rendered`);
    return found;
  };
  const has = (kind: string, name: string) => [...objects.values()].some((o) => o.kind === kind && o.metadata.name === name);
  return { objects, diagnostics, find, has };
}

/** The spec with `replace` applied to its text. */
export function adbWith(...replacements: [string, string][]): string {
  return replacements.reduce((spec, [from, to]) => {
    assert.ok(spec.includes(from), `the spec holds ${from}`);
    return spec.replace(from, to);
  }, ADB);
}
