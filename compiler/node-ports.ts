import type { V1Service } from "@kubernetes/client-node";
import { error, type Finding, type Origin } from "./diagnostics.js";
import type { Manifest } from "./engines/types.js";

export const NODE_PORT_RULE = "node-port-conflict";

/** A Service port that asks Kubernetes for a fixed port on every node. */
export interface NodePortClaim {
  port: number;
  service: string;
  origin: Origin;
}

/** The fixed node ports a cluster's Services ask for. */
export function nodePortClaims(manifests: readonly Manifest[]): NodePortClaim[] {
  return manifests.flatMap(({ object, origin }) => object.kind !== "Service" ? [] :
    ((object as V1Service).spec?.ports ?? []).flatMap((p) => (p.nodePort === undefined ? [] : [{ port: p.nodePort, service: `${object.metadata.namespace}/${object.metadata.name}`, origin }])));
}

/**
 * A node port belongs to one Service in the whole Kubernetes cluster: the API server refuses a second
 * Service that asks for it, so the second cluster's sync fails forever. Every spec line that asks for
 * a taken port gets an error that names the others.
 */
export function nodePortConflicts(claims: readonly NodePortClaim[]): Finding[] {
  const byPort = new Map<number, NodePortClaim[]>();
  for (const claim of claims) byPort.set(claim.port, [...byPort.get(claim.port) ?? [], claim]);
  return [...byPort].filter(([, all]) => all.length > 1).flatMap(([port, all]) => all.map((claim) => {
    const others = all.filter((c) => c !== claim);
    const finding = error(claim.origin, NODE_PORT_RULE,
      `nodePort ${port} of Service ${claim.service} is also asked for by ${others.map((c) => `${c.service} (${c.origin.file})`).join(", ")}; a node port belongs to one Service in the Kubernetes cluster, so give each its own port or leave it out to let Kubernetes pick one`);
    return { ...finding, related: others.map((c) => ({ origin: c.origin, message: `Service ${c.service} asks for nodePort ${port} here` })) };
  }));
}
