import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer } from "@kubernetes/client-node";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { podSpecOf, podTemplateOf } from "../engines/shared/pods.js";
import type { ClusterBuild, ComponentTraffic, KubeObject, Manifest, NetworkPeer } from "../engines/types.js";
import type { Rule } from "./types.js";

const COMPONENT_LABEL = "app.kubernetes.io/component";
/** The component label of every NetworkPolicy: they form one start-up stage, named after it. */
const NETWORK_COMPONENT = "network";

/**
 * Per cluster: a policy that denies all ingress to the cluster's pods, and one per serving component
 * that admits, port by port, exactly what the engine declares: the cluster's own components, the
 * clients the spec names on client endpoints, and the monitoring pods a policy names on metrics
 * ports. NetworkPolicies add up, so a pod is reachable only where one of them allows it.
 */
export const networkPolicies: Rule = {
  id: "network-policies",
  description: "each cluster's pods deny ingress by default and admit only the peers, clients and monitoring the engine and policies declare, port by port",
  level: "none",
  run(builds) {
    return { builds: builds.map(withPolicies), findings: [] };
  },
};

function withPolicies(build: ClusterBuild): ClusterBuild {
  if (!build.traffic) return build;
  const pods = build.manifests.filter((m) => podSpecOf(m.object) !== undefined).map((m) => m.object);
  const clusterSelector = sharedLabels(pods.map(podLabels));
  // A start-up stage of their own, after every workload's wave (a PostSync hook still comes after it):
  // the denial never lands without its admissions, and the workloads' stages keep their names and folders.
  const wave = String(Math.max(...build.manifests.map((m) => Number(m.object.metadata.annotations?.[SYNC_WAVE] ?? 0))) + 1);
  const meta = (name: string): KubeObject["metadata"] => ({
    name,
    namespace: build.cluster.namespace,
    labels: { ...clusterSelector, [COMPONENT_LABEL]: NETWORK_COMPONENT, "app.kubernetes.io/managed-by": MANAGED_BY },
    annotations: { [SYNC_WAVE]: wave },
  });
  const deny: Manifest = {
    object: policy(meta(`${build.cluster.name}-default-deny`), { podSelector: { matchLabels: clusterSelector }, policyTypes: ["Ingress"] }),
    origin: build.cluster.origin,
  };
  const monitoring = build.cluster.policy.monitoring?.value;
  const admissions = build.traffic.map((traffic): Manifest => ({
    object: policy(meta(`${build.cluster.name}-${traffic.component}`), {
      podSelector: { matchLabels: { ...clusterSelector, [COMPONENT_LABEL]: traffic.component } },
      policyTypes: ["Ingress"],
      ingress: ingressRules(traffic, clusterSelector, monitoring),
    }),
    origin: traffic.origin,
  }));
  return { ...build, manifests: [...build.manifests, deny, ...admissions] };
}

function ingressRules(traffic: ComponentTraffic, clusterSelector: Record<string, string>, monitoring: NetworkPeer | undefined): V1NetworkPolicyIngressRule[] {
  return traffic.ports.map((served) => {
    // A rule without `ports` admits every port: for processes that pick theirs at run time.
    const ports = served.port === undefined ? {} : { ports: [{ port: served.port, protocol: "TCP" }] };
    // An empty client list opens the port to every source: a rule without `from`.
    if (served.clients?.length === 0) return ports;
    const from: V1NetworkPolicyPeer[] = [
      ...served.peers.map((component) => ({ podSelector: { matchLabels: { ...clusterSelector, [COMPONENT_LABEL]: component } } })),
      ...(served.clients ?? []).map(peer),
      ...(served.metrics && monitoring ? [peer(monitoring)] : []),
    ];
    return { from, ...ports };
  });
}

function peer(value: NetworkPeer): V1NetworkPolicyPeer {
  return structuredClone(value);
}

function policy(metadata: KubeObject["metadata"], spec: V1NetworkPolicy["spec"]): V1NetworkPolicy & KubeObject {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec };
}

function podLabels(object: KubeObject): Record<string, string> {
  return podTemplateOf(object)?.metadata?.labels ?? {};
}

/** The labels every pod of the cluster carries, except who manages it: what selects the cluster's pods and no others. */
function sharedLabels(labelSets: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = labelSets;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([key, value]) =>
    key !== "app.kubernetes.io/managed-by" && rest.every((labels) => labels[key] === value)));
}
