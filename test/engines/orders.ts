import assert from "node:assert/strict";
import { compileProject, type RenderedObject } from "../helpers.js";

/** SPEC's minimal MySQLCluster, the seed article's 1 primary + 2 replicas. */
export const ORDERS = `apiVersion: clusterc/v1
kind: MySQLCluster
metadata: { name: orders, namespace: shop }
spec:
  version: "8.0.36"
  replicas: 3
  storage: { size: 10Gi, storageClassName: standard }
  rootPassword: { secretRef: { name: orders-mysql, key: root-password } }
`;

/** ORDERS with another version line. */
export function ordersAt(version: string): string {
  return ORDERS.replace('version: "8.0.36"', `version: "${version}"`);
}

/** A spec rendered in a throw-away project (no errors allowed), with a finder over its objects. */
export async function renderMySQL(spec: string = ORDERS, extra: Record<string, string> = {}) {
  const { objects, diagnostics } = await compileProject({ "clusters/shop/orders.yaml": spec, ...extra });
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const find = (kind: string, name: string): RenderedObject => {
    const found = [...objects.values()].find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name} is rendered`);
    return found;
  };
  const pod = () => find("StatefulSet", "orders-mysql").spec.template.spec;
  const container = (name: string) => {
    const found = [...(pod().initContainers ?? []), ...pod().containers].find((c: { name: string }) => c.name === name);
    assert.ok(found, `container ${name} is rendered`);
    return found;
  };
  return { objects, find, pod, container, all: [...objects.entries()].filter(([f]) => f.startsWith("shop/orders/") && !f.endsWith("kustomization.yaml")).map(([, o]) => o) };
}
