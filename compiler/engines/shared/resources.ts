export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}
