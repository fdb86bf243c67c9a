import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import { resourceValues } from "../../fleet/policy.js";
import { selectorLabels } from "../shared/metadata.js";
import { preferredApart, replicasOf } from "../shared/placement.js";
import { httpReadiness } from "../shared/probes.js";
import { secretKey } from "../shared/secrets.js";
import { deployment, service, tcpPort } from "../shared/workloads.js";
import type { Component, Manifest } from "../types.js";
import { GRPC_PORT, MYSQL_PORT, VITESS_WAVES, WEB_PORT, ref, topoFlags, vtctldName, type OriginAt, type VitessCluster } from "./names.js";
import { liteImage, vitessRelease } from "./versions.js";

/**
 * vtctld, the topology's API: flags as Vitess's examples/common/scripts/vtctld-up.sh and
 * vitess-operator's pkg/operator/vtctld/deployment.go pass them. /debug/health answers while the
 * process serves (vitess-operator's readiness probe for vtctld and vtgate).
 */
export function vtctldObjects(cluster: VitessCluster, origin: OriginAt): { manifests: Manifest[]; component: Component } {
  const vtctld = ref(cluster, "vtctld");
  const name = vtctldName(cluster);
  const wave = VITESS_WAVES.vtctld;
  const container: V1Container = {
    name: "vtctld",
    image: liteImage(cluster.spec.version),
    command: [
      "/vt/bin/vtctld", "--logtostderr", ...topoFlags(cluster), `--cell=${cluster.spec.cells[0]}`,
      "--service_map=grpc-vtctl,grpc-vtctld", `--port=${WEB_PORT}`, `--grpc_port=${GRPC_PORT}`,
    ],
    ports: [{ name: "web", containerPort: WEB_PORT }, { name: "grpc", containerPort: GRPC_PORT }],
    ...httpReadiness("/debug/health", WEB_PORT),
    resources: resourceValues(cluster.policy.resources.vtctld!),
  };
  const at = origin("vtctld");
  return {
    manifests: [
      { object: service(vtctld, name, wave, "ClusterIP", [tcpPort("web", WEB_PORT), tcpPort("grpc", GRPC_PORT)]), origin: at },
      { object: deployment(vtctld, name, wave, cluster.spec.vtctld.replicas, { containers: [container] }), origin: at },
    ],
    component: {
      name: "vtctld", replicas: cluster.spec.vtctld.replicas, origin: at, apart: [preferredApart(replicasOf(vtctld), 100)],
      workload: { kind: "Deployment", name }, selector: selectorLabels(vtctld),
    },
  };
}

/** A cell's vtgate Deployment among the cluster's components. */
export const vtgateComponent = (cell: string): string => `vtgate-${cell}`;

const AUTH_VOLUME = "mysql-auth";
const AUTH_DIR = "/vt/secrets/mysql-auth";

/**
 * One vtgate Deployment and Service per cell. vtgate never accepts a MySQL connection without
 * authentication: it reads users and passwords from a static auth file mounted from a Secret
 * (--mysql_auth_server_impl=static, as vitess-operator's pkg/operator/vtgate/deployment.go does),
 * re-read every 30 s so a rotated Secret applies without a restart. It watches every cell, so it
 * routes to a keyspace whose tablets run in another cell.
 */
export function vtgateObjects(cluster: VitessCluster, origin: OriginAt): { manifests: Manifest[]; components: Component[] } {
  const spec = cluster.spec.vtgate;
  const release = vitessRelease(cluster.spec.version);
  const source = spec.authentication ?? { secretRef: { name: `${cluster.name}-vtgate-users`, key: "users.json" } };
  const auth = secretKey(ref(cluster, "vtgate-users"), "vtgate-users", source, origin("vtgate", "authentication"));
  const wave = VITESS_WAVES.vtgate;
  const at = origin("vtgate");
  const perCell = cluster.spec.cells.map((cell) => {
    const vtgate = ref(cluster, "vtgate", { "vitess.io/cell": cell });
    const name = `${cluster.name}-vtgate-${cell}`;
    const container: V1Container = {
      name: "vtgate",
      image: liteImage(cluster.spec.version),
      command: [
        "/vt/bin/vtgate", "--logtostderr", ...topoFlags(cluster), `--cell=${cell}`, `--cells_to_watch=${cluster.spec.cells.join(",")}`,
        "--tablet_types_to_wait=PRIMARY,REPLICA", "--service_map=grpc-vtgateservice",
        `--port=${WEB_PORT}`, `--grpc_port=${GRPC_PORT}`, `--mysql_server_port=${MYSQL_PORT}`,
        ...(release.mysqlServerVersion ? [`--mysql_server_version=${release.mysqlServerVersion}`] : []),
        "--mysql_auth_server_impl=static", `--mysql_auth_server_static_file=${AUTH_DIR}/users.json`, "--mysql_auth_static_reload_interval=30s",
      ],
      ports: [{ name: "web", containerPort: WEB_PORT }, { name: "grpc", containerPort: GRPC_PORT }, { name: "mysql", containerPort: MYSQL_PORT }],
      ...httpReadiness("/debug/health", WEB_PORT),
      resources: resourceValues(cluster.policy.resources.vtgate!),
      volumeMounts: [{ name: AUTH_VOLUME, mountPath: AUTH_DIR, readOnly: true }],
    };
    const pod: V1PodSpec = {
      containers: [container],
      volumes: [{ name: AUTH_VOLUME, secret: { secretName: auth.secret.name, items: [{ key: auth.secret.key, path: "users.json" }] } }],
    };
    const component: Component = {
      name: vtgateComponent(cell), replicas: spec.replicas, origin: at,
      apart: [preferredApart({ ...replicasOf(vtgate), name: vtgateComponent(cell), components: [vtgateComponent(cell)] }, 100)],
      workload: { kind: "Deployment", name }, selector: selectorLabels(vtgate),
    };
    return {
      manifests: [
        { object: service(vtgate, name, wave, spec.service.type, [tcpPort("mysql", MYSQL_PORT), ...(spec.service.type === "ClusterIP" ? [tcpPort("web", WEB_PORT), tcpPort("grpc", GRPC_PORT)] : [])]), origin: origin("vtgate", "service") },
        { object: deployment(vtgate, name, wave, spec.replicas, pod), origin: at },
      ],
      component,
    };
  });
  return { manifests: [...auth.manifests, ...perCell.flatMap((c) => c.manifests)], components: perCell.map((c) => c.component) };
}
