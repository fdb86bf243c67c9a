import type { V1Container, V1PodSpec, V1SecurityContext, V1Volume } from "@kubernetes/client-node";
import { ENGINES } from "../engines/index.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import { shellScript } from "../engines/shared/shell.js";
import type { ClusterBuild, Component, ContainerNeeds, Engine, PodSecurityLevel } from "../engines/types.js";
import { editManifests, isWorkloadOf } from "./edit.js";
import type { Rule } from "./types.js";

/**
 * The init container that gives a hostPath volume to its container's user, unless a policy sets
 * `hostPathChown: false` (the directories are already the user's): without it, a member whose data
 * an earlier root-run release wrote, or whose directory root created, could not open it and would
 * crash-loop on the first sync. The kubelet applies fsGroup to claimed volumes, but not to hostPath ones: those it
 * creates as root (DirectoryOrCreate), and data an earlier, root-run release wrote stays root's.
 * Changing an owner takes root and CHOWN (DAC_OVERRIDE to enter directories a half-done run left to
 * the user), so such pods meet baseline only.
 */
export const OWNERSHIP_CONTAINER = "own-data";
const OWNERSHIP_NEEDS: ContainerNeeds = {
  runAs: { uid: 0, gid: 0 },
  scratch: [],
  capabilities: ["CHOWN", "DAC_OVERRIDE"],
  belowRestricted: "hostPath volumes ignore fsGroup, so it gives the data directory to the database's user as root with CHOWN",
};

/** What the engine of a build declares for one of its containers, or the rules for the one they add; a container it forgot is an engine bug. */
export function needsOf(build: ClusterBuild, container: string): ContainerNeeds | undefined {
  return container === OWNERSHIP_CONTAINER ? OWNERSHIP_NEEDS : (ENGINES[build.cluster.kind] as Engine).containers?.[container];
}

/** The level the declarations allow: restricted unless a container says why it cannot be. */
export function declaredLevel(needs: readonly (ContainerNeeds | undefined)[]): PodSecurityLevel {
  return needs.some((n) => n?.belowRestricted !== undefined) ? "baseline" : "restricted";
}

/**
 * Least privilege from the engine's declarations: every container runs as its declared user, never
 * gains privileges, drops every capability it does not need, runs under the runtime's seccomp profile
 * and on a read-only root filesystem (emptyDirs for the paths it writes); the pod's fsGroup makes its
 * claimed volumes writable to that user; no service-account token unless a container calls the API.
 */
export const securityContext: Rule = {
  id: "security-context",
  description: "every pod runs as its images' declared non-root user, read-only, with no capabilities or privilege escalation beyond what the engine declares",
  level: "none",
  run(builds) {
    return {
      builds: builds.map((build) => editManifests(build, (o) => podSpecOf(o) !== undefined, (object) => {
        const pod = podSpecOf(object)!;
        const component = build.components.find((c) => isWorkloadOf(c, object));
        // First of the init containers: an engine's own init containers (MySQL's) use the data directory too.
        if (component?.storage?.spec.hostPath && (build.cluster.policy.hostPathChown?.value ?? true)) pod.initContainers = [ownershipContainer(build, pod, component), ...pod.initContainers ?? []];
        hardenPod(pod, (container) => {
          const needs = needsOf(build, container.name);
          if (!needs) throw new Error(`engine bug: ${build.cluster.kind} declares no needs for container ${container.name} of ${object.kind} ${object.metadata.name}`);
          return needs;
        });
      })),
      findings: [],
    };
  },
};

/**
 * Runs the main container's image, so no other image is pulled; the recursive chown runs only when
 * the directory's owner is not yet right, as fsGroupChangePolicy OnRootMismatch does.
 */
function ownershipContainer(build: ClusterBuild, pod: V1PodSpec, component: Component): V1Container {
  const main = pod.containers.find((c) => c.volumeMounts?.some((m) => m.name === component.storage!.claimTemplate))!;
  const mount = main.volumeMounts!.find((m) => m.name === component.storage!.claimTemplate)!;
  const { uid, gid } = needsOf(build, main.name)!.runAs;
  return {
    name: OWNERSHIP_CONTAINER,
    image: main.image!,
    command: ["/bin/sh", "-c", shellScript(
      'set -eu',
      `dir=${mount.mountPath}`,
      `if [ "$(stat -c %u:%g "$dir")" != "${uid}:${gid}" ]; then chown -R ${uid}:${gid} "$dir"; fi`,
    )],
    volumeMounts: [{ name: mount.name, mountPath: mount.mountPath }],
  };
}

/** Applies the declarations to a pod spec in place (the caller owns the copy). */
export function hardenPod(pod: V1PodSpec, needsFor: (container: V1Container) => ContainerNeeds): void {
  const declared = containersOf(pod).map((container) => ({ container, needs: needsFor(container) }));
  const scratch: V1Volume[] = [];
  for (const { container, needs } of declared) {
    const mounts = needs.scratch.map((path) => ({ name: scratchVolumeName(container.name, path), mountPath: path }));
    for (const { name } of mounts) {
      if ([...pod.volumes ?? [], ...scratch].some((v) => v.name === name)) throw new Error(`engine bug: the pod already has a volume named ${name}, the name of container ${container.name}'s scratch volume`);
    }
    scratch.push(...mounts.map(({ name }) => ({ name, emptyDir: {} })));
    container.volumeMounts = [...container.volumeMounts ?? [], ...mounts];
    if (needs.workingDir !== undefined) container.workingDir = needs.workingDir;
    container.securityContext = containerContext(needs);
  }
  if (scratch.length > 0) pod.volumes = [...pod.volumes ?? [], ...scratch];
  // The main container's group owns the claimed volumes; OnRootMismatch skips the recursive chown of a large volume that already fits.
  const main = declared.find(({ container }) => container === pod.containers[0])!.needs;
  pod.securityContext = {
    ...(declared.every(({ needs }) => needs.runAs.uid !== 0) && { runAsNonRoot: true }),
    ...(main.runAs.gid !== 0 && { fsGroup: main.runAs.gid, fsGroupChangePolicy: "OnRootMismatch" }),
    seccompProfile: { type: "RuntimeDefault" },
  };
  pod.automountServiceAccountToken = declared.some(({ needs }) => needs.callsKubernetesApi === true);
}

function containerContext(needs: ContainerNeeds): V1SecurityContext {
  return {
    runAsUser: needs.runAs.uid,
    runAsGroup: needs.runAs.gid,
    runAsNonRoot: needs.runAs.uid !== 0,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"], ...(needs.capabilities?.length && { add: [...needs.capabilities] }) },
  };
}

/** `tidb-var-log-tidb` for /var/log/tidb of container tidb: unique within the pod, a DNS-1123 label. */
function scratchVolumeName(container: string, path: string): string {
  return `${container}-${path.replace(/^\/+/, "").replace(/[^a-z0-9]+/g, "-")}`.slice(0, 63).replace(/-+$/, "");
}
