import { copyOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject, Manifest } from "../engines/types.js";

export function isWorkloadOf(component: Component, object: KubeObject): boolean {
  return object.kind === component.workload.kind && object.metadata.name === component.workload.name;
}

export function workloadOf(build: ClusterBuild, component: Component): Manifest {
  const manifest = build.manifests.find((m) => isWorkloadOf(component, m.object));
  if (!manifest) throw new Error(`engine bug: ${build.cluster.name}/${component.name} names a workload it did not render`);
  return manifest;
}

/** A copy of the build in which `edit` changed a copy of every manifest it selects. */
export function editManifests(build: ClusterBuild, select: (object: KubeObject) => boolean, edit: (object: KubeObject) => void): ClusterBuild {
  return {
    ...build,
    manifests: build.manifests.map((manifest) => {
      if (!select(manifest.object)) return manifest;
      const object = copyOf(manifest.object);
      edit(object);
      return { ...manifest, object };
    }),
  };
}
