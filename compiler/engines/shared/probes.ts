import type { V1Probe } from "@kubernetes/client-node";

/** Readiness: take a pod out of its Service quickly. Liveness: restart it only when it is clearly stuck. */
export function tcpProbes(port: number): { readinessProbe: V1Probe; livenessProbe: V1Probe } {
  return {
    readinessProbe: { tcpSocket: { port }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3 },
    livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
  };
}

export function httpProbes(path: string, port: number): { readinessProbe: V1Probe; livenessProbe: V1Probe } {
  return {
    readinessProbe: { httpGet: { path, port }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3 },
    livenessProbe: { httpGet: { path, port }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
  };
}
