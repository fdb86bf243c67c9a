import type { V1Container, V1PodSpec, V1SecurityContext } from "@kubernetes/client-node";
import type { PodSecurityLevel } from "../engines/types.js";

/**
 * The Pod Security Standards, control by control, as kubernetes.io/docs/concepts/security/pod-security-standards
 * states them (the policy the pod-security admission controller enforces, k8s.io/pod-security-admission
 * policy/check_*.go). Each check returns what violates it, in words a reader can act on.
 */
export interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: V1PodSpec;
}

type Check = (pod: PodTemplate, containers: readonly V1Container[]) => string[];

/** Capabilities baseline lets a container add: the container runtimes' default set. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

function perContainer(containers: readonly V1Container[], problem: (c: V1Container, sc: V1SecurityContext) => string | undefined): string[] {
  return containers.flatMap((c) => {
    const found = problem(c, c.securityContext ?? {});
    return found === undefined ? [] : [`container ${c.name}: ${found}`];
  });
}

const BASELINE: readonly Check[] = [
  ({ spec }, containers) => [
    ...(spec.securityContext?.windowsOptions?.hostProcess ? ["securityContext.windowsOptions.hostProcess is true"] : []),
    ...perContainer(containers, (_, sc) => (sc.windowsOptions?.hostProcess ? "windowsOptions.hostProcess is true" : undefined)),
  ],
  ({ spec }) => (["hostNetwork", "hostPID", "hostIPC"] as const).filter((field) => spec[field]).map((field) => `${field} is true`),
  (_, containers) => perContainer(containers, (_, sc) => (sc.privileged ? "privileged is true" : undefined)),
  (_, containers) => perContainer(containers, (_, sc) => {
    const added = (sc.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    return added.length > 0 ? `adds capabilities ${added.join(", ")}` : undefined;
  }),
  ({ spec }) => (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => `volume ${v.name} is a hostPath volume`),
  (_, containers) => perContainer(containers, (c) => {
    const host = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => p.hostPort);
    return host.length > 0 ? `uses host ports ${host.join(", ")}` : undefined;
  }),
  ({ metadata, spec }, containers) => {
    const allowedType = (type: string | undefined) => type === undefined || type === "RuntimeDefault" || type === "Localhost";
    return [
      ...(allowedType(spec.securityContext?.appArmorProfile?.type) ? [] : [`securityContext.appArmorProfile.type is ${spec.securityContext?.appArmorProfile?.type}`]),
      ...perContainer(containers, (_, sc) => (allowedType(sc.appArmorProfile?.type) ? undefined : `appArmorProfile.type is ${sc.appArmorProfile?.type}`)),
      ...Object.entries(metadata?.annotations ?? {})
        .filter(([key, value]) => key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !value.startsWith("localhost/"))
        .map(([key, value]) => `annotation ${key} is ${value}`),
    ];
  },
  ({ spec }, containers) => {
    const problem = (options: V1SecurityContext["seLinuxOptions"]) => {
      if (!options) return undefined;
      if (!SELINUX_TYPES.has(options.type ?? "")) return `seLinuxOptions.type is ${options.type}`;
      return options.user || options.role ? "seLinuxOptions sets user or role" : undefined;
    };
    const pod = problem(spec.securityContext?.seLinuxOptions);
    return [...(pod ? [`securityContext.${pod}`] : []), ...perContainer(containers, (_, sc) => problem(sc.seLinuxOptions))];
  },
  (_, containers) => perContainer(containers, (_, sc) => (sc.procMount !== undefined && sc.procMount !== "Default" ? `procMount is ${sc.procMount}` : undefined)),
  ({ spec }, containers) => [
    ...(spec.securityContext?.seccompProfile?.type === "Unconfined" ? ["securityContext.seccompProfile.type is Unconfined"] : []),
    ...perContainer(containers, (_, sc) => (sc.seccompProfile?.type === "Unconfined" ? "seccompProfile.type is Unconfined" : undefined)),
  ],
  ({ spec }) => (spec.securityContext?.sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => `sysctl ${s.name} is not in the safe set`),
];

const RESTRICTED: readonly Check[] = [
  ({ spec }) => (spec.volumes ?? []).flatMap((volume) => {
    const types = Object.keys(volume).filter((key) => key !== "name");
    const other = types.filter((type) => !RESTRICTED_VOLUME_TYPES.has(type));
    return other.length > 0 ? [`volume ${volume.name} is of type ${other.join(", ")}`] : [];
  }),
  (_, containers) => perContainer(containers, (_, sc) => (sc.allowPrivilegeEscalation === false ? undefined : "allowPrivilegeEscalation is not false")),
  ({ spec }, containers) => perContainer(containers, (_, sc) => {
    const nonRoot = sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
    return nonRoot === true ? undefined : "runAsNonRoot is not true (in the container or the pod)";
  }),
  ({ spec }, containers) => [
    ...(spec.securityContext?.runAsUser === 0 ? ["securityContext.runAsUser is 0"] : []),
    ...perContainer(containers, (_, sc) => (sc.runAsUser === 0 ? "runAsUser is 0" : undefined)),
  ],
  ({ spec }, containers) => perContainer(containers, (_, sc) => {
    const type = sc.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
    return type === "RuntimeDefault" || type === "Localhost" ? undefined : "seccompProfile.type is not RuntimeDefault or Localhost (in the container or the pod)";
  }),
  (_, containers) => perContainer(containers, (_, sc) => {
    const problems = [];
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push("capabilities.drop does not include ALL");
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (added.length > 0) problems.push(`capabilities.add has ${added.join(", ")} (only NET_BIND_SERVICE is allowed)`);
    return problems.length > 0 ? problems.join("; ") : undefined;
  }),
];

/** Every container of the pod, ephemeral ones included: the standards apply to all of them. */
function allContainers(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...((spec.ephemeralContainers ?? []) as V1Container[])];
}

/** What keeps the pod from each level: restricted includes everything baseline forbids. */
export function podSecurityViolations(pod: PodTemplate): Record<PodSecurityLevel, string[]> {
  const containers = allContainers(pod.spec);
  const baseline = BASELINE.flatMap((check) => check(pod, containers));
  return { baseline, restricted: [...baseline, ...RESTRICTED.flatMap((check) => check(pod, containers))] };
}

/** The highest level the pod meets, or undefined when it does not even meet baseline (it is "privileged"). */
export function podSecurityLevel(pod: PodTemplate): PodSecurityLevel | undefined {
  const violations = podSecurityViolations(pod);
  if (violations.restricted.length === 0) return "restricted";
  return violations.baseline.length === 0 ? "baseline" : undefined;
}

const ORDER: readonly PodSecurityLevel[] = ["baseline", "restricted"];

/** Whether `level` is at least as strict as `required`. */
export function meetsLevel(level: PodSecurityLevel | undefined, required: PodSecurityLevel): boolean {
  return level !== undefined && ORDER.indexOf(level) >= ORDER.indexOf(required);
}

/** The less strict of two levels. */
export function lowerLevel(a: PodSecurityLevel, b: PodSecurityLevel): PodSecurityLevel {
  return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
}
