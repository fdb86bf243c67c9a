import type { V1ConfigMap } from "@kubernetes/client-node";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { podSpecOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import type { HostPathPool } from "../fleet/fleet.js";
import { zoneOf } from "../placement/allocate.js";
import { placementsOf } from "../placement/plan.js";
import { claimOrdinal } from "../placement/record.js";
import { editManifests, isWorkloadOf, workloadOf } from "./edit.js";
import type { Rule } from "./types.js";

const VOLUME = "topology";

/**
 * clusterc knows the zone of every replica it placed on a pool that names zones; a database that
 * spreads its data by location (TiKV store labels) cannot learn it from inside its pod. For each
 * component that asks (`topologyDir`), a ConfigMap `<workload>-topology` holds one key per ordinal,
 * `zone=<zone>`, mounted at that directory, so pod N reads its own file. A ConfigMap update reaches
 * running pods without restarting them: a scale-up adds a key and changes no pod template.
 */
export const topology: Rule = {
  id: "topology",
  description: "components that report their location get the zone of each hostPath-placed replica in a file per ordinal",
  level: "none",
  run(builds, { fleet, hostPaths }) {
    return {
      builds: builds.map((build) => {
        let result = build;
        for (const component of build.components) {
          const zones = zonesOf(component, placementsOf(hostPaths, build.cluster.name), fleet.pools);
          if (component.topologyDir === undefined || zones.size === 0) continue;
          result = withTopology(result, component, component.topologyDir, zones);
        }
        return result;
      }),
      findings: [],
    };
  },
};

/** The zone of each bound replica's node, by ordinal; empty when the pool names no zones. */
function zonesOf(component: Component, placements: ReturnType<typeof placementsOf>, pools: ReadonlyMap<string, HostPathPool>): Map<number, string> {
  const zones = new Map<number, string>();
  for (const p of placements) {
    if (p.component !== component.name || p.state !== "bound") continue;
    const zone = zoneOf(pools, p);
    if (zone !== undefined) zones.set(claimOrdinal(p.claim), zone);
  }
  return zones;
}

function withTopology(build: ClusterBuild, component: Component, dir: string, zones: ReadonlyMap<number, string>): ClusterBuild {
  const workload = workloadOf(build, component);
  const name = `${component.workload.name}-topology`;
  const edited = editManifests(build, (object) => isWorkloadOf(component, object), (object) => {
    const pod = podSpecOf(object)!;
    pod.volumes = [...pod.volumes ?? [], { name: VOLUME, configMap: { name, optional: true } }];
    for (const container of pod.containers) container.volumeMounts = [...container.volumeMounts ?? [], { name: VOLUME, mountPath: dir, readOnly: true }];
  });
  const configMap: V1ConfigMap & KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: workload.object.metadata.namespace!,
      labels: { ...component.selector, "app.kubernetes.io/managed-by": MANAGED_BY },
      annotations: { [SYNC_WAVE]: workload.object.metadata.annotations?.[SYNC_WAVE] ?? "0" },
    },
    data: Object.fromEntries([...zones].sort(([a], [b]) => a - b).map(([ordinal, zone]) => [String(ordinal), `zone=${zone}`])),
  };
  return { ...edited, manifests: [...edited.manifests, { object: configMap, origin: component.storage!.origin }] };
}
