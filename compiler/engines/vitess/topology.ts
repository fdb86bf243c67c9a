import type { V1Container } from "@kubernetes/client-node";
import { resourceValues } from "../../fleet/policy.js";
import { DATA_VOLUME, statefulComponent } from "../shared/components.js";
import { hookJob } from "../shared/jobs.js";
import { deleteClaims, SYNC_STEP } from "../shared/procedures.js";
import { replicasOf, requiredApart } from "../shared/placement.js";
import { httpReadiness } from "../shared/probes.js";
import { shellScript } from "../shared/shell.js";
import { headlessService, service, tcpPort } from "../shared/workloads.js";
import type { Component, Manifest, Procedure } from "../types.js";
import { liteImage } from "./versions.js";
import {
  ETCD_CLIENT_PORT, ETCD_PEER_PORT, GLOBAL_ROOT, VITESS_WAVES, etcdName, ref, topoAddress,
  type OriginAt, type VitessCluster,
} from "./names.js";
import { keyspaceDurability } from "./tablets.js";

/** The etcd release vitess-operator runs its topology on (DefaultEtcdImage, pkg/apis/planetscale/v2/defaults.go), from the etcd project's own registry. */
const ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.17";

/** The claim's mount; etcd keeps its data in a directory of its own below it, which it creates private (0700). */
const ETCD_MOUNT = "/var/lib/etcd";
const ETCD_DATA = `${ETCD_MOUNT}/data`;

/**
 * etcd bootstraps statically: every member starts with the same --initial-cluster of the fixed member
 * set, and a member that has data ignores the --initial-* flags and restarts from it (etcd's
 * configuration docs, "--initial-cluster-state ... ignored ... on restart"). No start script: etcd
 * images from v3.5.7 on are distroless and hold no shell (etcd-io/etcd#15016, #15034), so the flags
 * are the container's args, and Kubernetes fills in $(POD_NAME). Compaction keeps the revision history
 * bounded, as vitess-operator sets it (pkg/operator/etcd/pod.go), so the database never reaches its quota.
 */
function etcdArgs(cluster: VitessCluster, initialMembers: number): string[] {
  const set = etcdName(cluster);
  const peer = `${set}-peer`;
  const url = (member: string, port: number) => `http://${member}.${peer}.${cluster.namespace}.svc:${port}`;
  const members = Array.from({ length: initialMembers }, (_, i) => `${set}-${i}=${url(`${set}-${i}`, ETCD_PEER_PORT)}`);
  return [
    "--name=$(POD_NAME)",
    `--data-dir=${ETCD_DATA}`,
    `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
    `--advertise-client-urls=${url("$(POD_NAME)", ETCD_CLIENT_PORT)}`,
    `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
    `--initial-advertise-peer-urls=${url("$(POD_NAME)", ETCD_PEER_PORT)}`,
    `--initial-cluster=${members.join(",")}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=${cluster.namespace}-${set}`,
    "--auto-compaction-mode=revision",
    "--auto-compaction-retention=1000",
  ];
}

/**
 * `initialMembers`: how many members bootstrapped etcd, as the cluster's first render recorded it;
 * the --initial-cluster of a running cluster never changes (members are added with etcdctl: the runbook).
 */
export function etcdObjects(cluster: VitessCluster, origin: OriginAt, initialMembers: number): { manifests: Manifest[]; component: Component } {
  const etcd = ref(cluster, "etcd");
  const name = etcdName(cluster);
  const wave = VITESS_WAVES.etcd;
  const container: V1Container = {
    name: "etcd",
    image: ETCD_IMAGE,
    command: ["/usr/local/bin/etcd"],
    args: etcdArgs(cluster, initialMembers),
    env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
    ports: [{ name: "client", containerPort: ETCD_CLIENT_PORT }, { name: "peer", containerPort: ETCD_PEER_PORT }],
    // /health answers 200 only while the member has a leader and serves a quorum read
    // (etcd-io/etcd server/etcdserver/api/etcdhttp/health.go).
    ...httpReadiness("/health", ETCD_CLIENT_PORT),
    resources: resourceValues(cluster.policy.resources.etcd!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: ETCD_MOUNT }],
  };
  const at = origin("etcd");
  const stateful = statefulComponent(etcd, {
    name, wave, serviceName: `${name}-peer`, replicas: cluster.spec.etcd.replicas, apart: [requiredApart(replicasOf(etcd))],
    pod: { containers: [container] }, storage: cluster.spec.etcd.storage, origin: at, storageOrigin: origin("etcd", "storage"),
  });
  return {
    manifests: [
      { object: headlessService(etcd, `${name}-peer`, wave, [tcpPort("client", ETCD_CLIENT_PORT), tcpPort("peer", ETCD_PEER_PORT)]), origin: at },
      { object: service(etcd, name, wave, "ClusterIP", [tcpPort("client", ETCD_CLIENT_PORT)]), origin: at },
      stateful.manifest,
    ],
    component: { ...stateful.component, scaleDownProcedure: (pods) => etcdScaleDown(cluster, pods) },
  };
}

/**
 * docs/vitess-runbook.md#scale-etcd: a member that stops without leaving counts against the quorum.
 * Members are named after their pods (--name); etcdctl ships beside etcd and talks to 127.0.0.1:2379.
 */
function etcdScaleDown(cluster: VitessCluster, pods: readonly string[]): Procedure {
  const etcdctl = `kubectl -n ${cluster.namespace} exec ${etcdName(cluster)}-0 -- /usr/local/bin/etcdctl`;
  return {
    steps: [
      `${etcdctl} member remove ID, for the ID that \`${etcdctl} member list\` gives ${pods.join(", ")}, one at a time`,
      SYNC_STEP,
      deleteClaims(cluster.namespace, pods),
    ],
    runbook: "docs/vitess-runbook.md#scale-etcd",
  };
}

/**
 * Registers every cell in the global topology and creates every keyspace with its durability policy,
 * before vtctld starts, as Vitess's examples do (examples/common/scripts/etcd-up.sh: `vtctl
 * $TOPOLOGY_FLAGS VtctldCommand AddCellInfo --root /vitess/$cell --server-address ...`). Idempotent:
 * what exists is left as it is, and the durability policy is set again, so a changed spec converges.
 * vtctl talks to etcd directly: vtctld is not up yet.
 */
const TOPOLOGY_SCRIPT = shellScript(
  'set -eu',
  `vt() { /vt/bin/vtctl --topo_implementation=etcd2 --topo_global_server_address="\${TOPO_ADDRESS}" --topo_global_root=${GLOBAL_ROOT} VtctldCommand "$@"; }`,
  'for cell in ${CELLS}; do',
  '  if vt GetCellInfo "${cell}" >/dev/null 2>&1; then',
  '    echo "cell ${cell} is registered"',
  '  else',
  '    vt AddCellInfo --root="/vitess/${cell}" --server-address="${TOPO_ADDRESS}" "${cell}"',
  '    echo "cell ${cell} registered"',
  '  fi',
  'done',
  'for entry in ${KEYSPACES}; do',
  '  keyspace="${entry%%:*}"',
  '  durability="${entry#*:}"',
  '  if vt GetKeyspace "${keyspace}" >/dev/null 2>&1; then',
  '    echo "keyspace ${keyspace} exists"',
  '  else',
  '    vt CreateKeyspace --durability-policy="${durability}" "${keyspace}"',
  '    echo "keyspace ${keyspace} created"',
  '  fi',
  '  vt SetKeyspaceDurabilityPolicy --durability-policy="${durability}" "${keyspace}"',
  'done',
);

export function topologyJob(cluster: VitessCluster, origin: OriginAt): Manifest {
  const job = hookJob(ref(cluster, "topology"), {
    name: `${cluster.name}-topology`, wave: VITESS_WAVES.topology, hook: "Sync",
    container: {
      name: "register",
      image: liteImage(cluster.spec.version),
      command: ["/bin/sh", "-c", TOPOLOGY_SCRIPT],
      env: [
        { name: "TOPO_ADDRESS", value: topoAddress(cluster) },
        { name: "CELLS", value: cluster.spec.cells.join(" ") },
        { name: "KEYSPACES", value: cluster.spec.keyspaces.map((ks) => `${ks.name}:${keyspaceDurability(ks)}`).join(" ") },
      ],
    },
  });
  return { object: job, origin: origin("cells") };
}
