import type { V1Probe } from "@kubernetes/client-node";

/**
 * Readiness on a status API: a pod is in its Services while the server answers there, and leaves them
 * while it does not. There is deliberately no liveness probe: a database member that replays its log or
 * waits out a peer outage answers nothing for minutes, and a liveness probe would kill it on every start
 * (tidb-operator sets none on PD, TiKV or TiDB: pkg/manager/member/*_member_manager.go, release-1.6).
 */
export function httpReadiness(path: string, port: number): { readinessProbe: V1Probe } {
  return { readinessProbe: { httpGet: { path, port }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 } };
}
