import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1PodSpec } from "@kubernetes/client-node";
import { podSecurityLevel, type PodTemplate } from "../../compiler/rules/pod-security-standards.js";

/**
 * The checker against the controls of kubernetes.io/docs/concepts/security/pod-security-standards:
 * starting from a pod that meets restricted, each case breaks one control and names the highest level
 * the pod still meets (undefined: not even baseline).
 */
function restrictedPod(): PodTemplate {
  return {
    metadata: { annotations: {} },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{
        name: "app",
        image: "example/app:1.0",
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        ports: [{ containerPort: 8080 }],
      }],
      volumes: [{ name: "tmp", emptyDir: {} }, { name: "data", persistentVolumeClaim: { claimName: "data" } }],
    },
  };
}

type Edit = (pod: PodTemplate, spec: V1PodSpec, container: NonNullable<V1PodSpec["containers"][0]["securityContext"]>) => void;

const CASES: [string, Edit, "restricted" | "baseline" | undefined][] = [
  ["unchanged", () => {}, "restricted"],
  ["adding NET_BIND_SERVICE is allowed", (_, __, c) => { c.capabilities!.add = ["NET_BIND_SERVICE"]; }, "restricted"],
  ["Localhost seccomp is allowed", (_, s) => { s.securityContext!.seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; }, "restricted"],
  ["runAsNonRoot on every container instead of the pod", (_, s, c) => { delete s.securityContext!.runAsNonRoot; c.runAsNonRoot = true; }, "restricted"],
  // restricted controls: baseline still holds
  ["Volume types: hostPath is not even baseline", (_, s) => { s.volumes!.push({ name: "h", hostPath: { path: "/srv" } }); }, undefined],
  ["Volume types: nfs", (_, s) => { s.volumes!.push({ name: "n", nfs: { server: "nfs", path: "/" } }); }, "baseline"],
  ["Privilege escalation: allowPrivilegeEscalation unset", (_, __, c) => { delete c.allowPrivilegeEscalation; }, "baseline"],
  ["Running as non-root: runAsNonRoot unset", (_, s) => { delete s.securityContext!.runAsNonRoot; }, "baseline"],
  ["Running as non-root: container says false", (_, __, c) => { c.runAsNonRoot = false; }, "baseline"],
  ["Running as non-root user: runAsUser 0", (_, __, c) => { c.runAsUser = 0; }, "baseline"],
  ["Running as non-root user: pod runAsUser 0", (_, s) => { s.securityContext!.runAsUser = 0; }, "baseline"],
  ["Seccomp: unset everywhere", (_, s) => { delete s.securityContext!.seccompProfile; }, "baseline"],
  ["Capabilities: ALL not dropped", (_, __, c) => { c.capabilities = {}; }, "baseline"],
  ["Capabilities: adds CHOWN (baseline default set)", (_, __, c) => { c.capabilities!.add = ["CHOWN"]; }, "baseline"],
  // baseline controls
  ["HostProcess", (_, __, c) => { c.windowsOptions = { hostProcess: true }; }, undefined],
  ["Host namespaces: hostNetwork", (_, s) => { s.hostNetwork = true; }, undefined],
  ["Host namespaces: hostPID", (_, s) => { s.hostPID = true; }, undefined],
  ["Host namespaces: hostIPC", (_, s) => { s.hostIPC = true; }, undefined],
  ["Privileged containers", (_, __, c) => { c.privileged = true; }, undefined],
  ["Capabilities: adds SYS_ADMIN", (_, __, c) => { c.capabilities!.add = ["SYS_ADMIN"]; }, undefined],
  ["Host ports", (_, s) => { s.containers[0]!.ports![0]!.hostPort = 8080; }, undefined],
  ["AppArmor: unconfined profile", (_, __, c) => { c.appArmorProfile = { type: "Unconfined" }; }, undefined],
  ["AppArmor: unconfined annotation", (p) => { p.metadata!.annotations!["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined"; }, undefined],
  ["AppArmor: localhost annotation is allowed", (p) => { p.metadata!.annotations!["container.apparmor.security.beta.kubernetes.io/app"] = "localhost/x"; }, "restricted"],
  ["SELinux: custom type", (_, __, c) => { c.seLinuxOptions = { type: "spc_t" }; }, undefined],
  ["SELinux: container_t is allowed", (_, __, c) => { c.seLinuxOptions = { type: "container_t" }; }, "restricted"],
  ["SELinux: user set", (_, s) => { s.securityContext!.seLinuxOptions = { user: "system_u" }; }, undefined],
  ["/proc mount type", (_, __, c) => { c.procMount = "Unmasked"; }, undefined],
  ["Seccomp: Unconfined", (_, __, c) => { c.seccompProfile = { type: "Unconfined" }; }, undefined],
  ["Sysctls: unsafe", (_, s) => { s.securityContext!.sysctls = [{ name: "kernel.msgmax", value: "1" }]; }, undefined],
  ["Sysctls: safe set", (_, s) => { s.securityContext!.sysctls = [{ name: "net.ipv4.tcp_keepalive_time", value: "60" }]; }, "restricted"],
  ["init containers count", (_, s) => { s.initContainers = [{ name: "init", image: "x:1", securityContext: { privileged: true } }]; }, undefined],
];

describe("Pod Security Standards checker", () => {
  for (const [name, edit, expected] of CASES) {
    it(`${name}: ${expected ?? "privileged"}`, () => {
      const pod = restrictedPod();
      edit(pod, pod.spec, pod.spec.containers[0]!.securityContext!);
      assert.equal(podSecurityLevel(pod), expected);
    });
  }
});
