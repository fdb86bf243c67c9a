import type { RenderedObject } from "../helpers.js";

/**
 * NetworkPolicy ingress evaluated as Kubernetes defines it (kubernetes.io/docs/concepts/services-networking/network-policies):
 * a pod that no Ingress policy selects accepts everything; a selected pod accepts a connection when
 * at least one rule of at least one selecting policy admits it: the rule's ports (all when absent;
 * a name resolves against the destination pod's container ports; protocol TCP by default; endPort
 * ranges) and its peers (all when absent or empty). A peer with only podSelector means pods of the
 * policy's namespace; with only namespaceSelector, every pod of those namespaces; with both, the
 * selected pods of the selected namespaces; ipBlock matches addresses outside the cluster.
 */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A pod that receives traffic: where it runs, its labels, its container ports. */
export interface Destination {
  namespace: string;
  labels: Record<string, string>;
  ports: { name?: string; containerPort: number; protocol?: string }[];
}

/** Who connects: a pod (with its namespace's labels) or an address outside the cluster. */
export type Source =
  | { kind: "pod"; namespace: string; namespaceLabels: Record<string, string>; labels: Record<string, string> }
  | { kind: "external"; ip: string };

export function matchesSelector(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return byLabel && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In": return key in labels && values.includes(labels[key]!);
      case "NotIn": return !(key in labels) || !values.includes(labels[key]!);
      case "Exists": return key in labels;
      case "DoesNotExist": return !(key in labels);
      default: throw new Error(`unknown selector operator ${operator}`);
    }
  });
}

interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  from?: Peer[];
  ports?: { port?: number | string; endPort?: number; protocol?: string }[];
}

function ingressTypes(policy: RenderedObject): boolean {
  const types: string[] | undefined = policy.spec.policyTypes;
  return types === undefined ? true : types.includes("Ingress");
}

function portMatches(rule: Rule, destination: Destination, port: number, protocol: string): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "string") {
      return destination.ports.some((c) => c.name === p.port && c.containerPort === port && (c.protocol ?? "TCP") === protocol);
    }
    return p.endPort === undefined ? p.port === port : p.port <= port && port <= p.endPort;
  });
}

function ipv4(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base!) / size);
}

function peerMatches(peer: Peer, source: Source, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    return source.kind === "external" && inCidr(source.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(source.ip, c));
  }
  if (source.kind !== "pod") return false;
  const namespaceOk = peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, source.namespaceLabels) : source.namespace === policyNamespace;
  const podOk = peer.podSelector ? matchesSelector(peer.podSelector, source.labels) : true;
  return namespaceOk && podOk;
}

/** Whether `source` may open a connection to `destination` on `port`, given every NetworkPolicy rendered. */
export function allows(policies: readonly RenderedObject[], source: Source, destination: Destination, port: number, protocol = "TCP"): boolean {
  const selecting = policies.filter((p) => p.kind === "NetworkPolicy" && p.metadata.namespace === destination.namespace
    && matchesSelector(p.spec.podSelector, destination.labels) && ingressTypes(p));
  if (selecting.length === 0) return true;
  return selecting.some((policy) => ((policy.spec.ingress ?? []) as Rule[]).some((rule) =>
    portMatches(rule, destination, port, protocol)
    && (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, source, policy.metadata.namespace!)))));
}
