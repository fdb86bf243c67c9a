import assert from "node:assert/strict";
import { compileProject, type RenderedObject } from "../helpers.js";

/** The VitessCluster of SPEC.md, exactly as written there. */
export const COMMERCE = `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: commerce, namespace: vitess }
spec:
  version: v19.0.4
  cells: [zone1]
  keyspaces:
    - name: commerce
      shards: ["0"]
      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }
`;

/** The seed article's vertical split: a second keyspace, customer, sharded in two, beside commerce. */
export const SPLIT = `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: shop, namespace: vitess }
spec:
  version: v19.0.4
  cells: [zone1, zone2]
  keyspaces:
    - name: commerce
      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }
    - name: customer
      shards: ["-80", "80-"]
      tablets: { replica: 3, cell: zone2, storage: { size: 5Gi } }
`;

/** A VitessCluster document named `name` whose spec block is `spec` (lines indented two spaces). */
export function vitessSpec(name: string, spec: string): string {
  return `apiVersion: clusterc/v1
kind: VitessCluster
metadata: { name: ${name} }
spec:
${spec}`;
}

/** Specs rendered in a throw-away project: every object, and a finder that fails on a missing one. */
export async function renderVitess(files: Record<string, string> = { "clusters/commerce.yaml": COMMERCE }) {
  const { objects, diagnostics } = await compileProject(files);
  // Notes (a pod at baseline because of the hostPath ownership step) are not findings against the spec.
  assert.deepEqual(diagnostics.filter((d) => d.severity !== "note"), []);
  // Objects of the clusters folders: not the fleet-wide state files at the top of rendered/, not Argo CD or Flux.
  const all = [...objects.entries()].filter(([f]) => f.includes("/") && !f.endsWith("kustomization.yaml") && !/^(argocd|flux)\//.test(f));
  const find = (kind: string, name: string): RenderedObject => {
    const found = all.find(([, o]) => o.kind === kind && o.metadata.name === name)?.[1];
    assert.ok(found, `${kind} ${name} is rendered`);
    return found;
  };
  return { objects, find, all: all.map(([, o]) => o), files: all.map(([f]) => f) };
}

type Container = { name: string; image: string; command?: string[]; args?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources?: any; volumeMounts?: any[]; readinessProbe?: any };

export function containersOf(object: RenderedObject): Container[] {
  const pod = object.spec?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

export function containerOf(object: RenderedObject, name: string): Container {
  const found = containersOf(object).find((c) => c.name === name);
  assert.ok(found, `${object.kind} ${object.metadata.name} has a container ${name}`);
  return found;
}

export function envOf(container: Container): Record<string, unknown> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

/** COMMERCE with the seed article's commerce schema and VSchema (Vitess examples/local: create_commerce_schema.sql, vschema_commerce_initial.json). */
export const COMMERCE_WITH_SCHEMA = COMMERCE.replace("      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }\n", `      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }
      schema: |
        CREATE TABLE IF NOT EXISTS product (sku VARBINARY(128), description VARBINARY(128), price BIGINT, PRIMARY KEY (sku));
        CREATE TABLE IF NOT EXISTS customer (customer_id BIGINT NOT NULL AUTO_INCREMENT, email VARBINARY(128), PRIMARY KEY (customer_id));
      vschema:
        tables: { product: {}, customer: {} }
`);
