/**
 * Every shell script a rendered object runs, and shellcheck over them: the other half of the harness.
 * Engine-neutral: it walks pod templates (Deployments, StatefulSets, Jobs...) of any rendered object.
 */
import type { V1Container, V1LifecycleHandler, V1PodSpec, V1Probe } from "@kubernetes/client-node";
import { spawn, spawnSync } from "node:child_process";

export interface RenderedScript {
  /** `StatefulSet endgame-pd, container pd, command`: where a finding is. */
  where: string;
  shell: "sh" | "bash";
  script: string;
}

type AnyObject = { kind: string; metadata: { name: string }; spec?: { template?: { spec?: V1PodSpec } } };

const SHELLS: Record<string, "sh" | "bash"> = { "/bin/sh": "sh", sh: "sh", "/bin/bash": "bash", bash: "bash" };

/** The scripts of every container and init container: command + args, lifecycle hooks, exec probes. */
export function renderedScripts(objects: Iterable<AnyObject>): RenderedScript[] {
  return [...objects].flatMap((object) => {
    const pod = object.spec?.template?.spec;
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].flatMap((container) =>
      commandsOf(container).flatMap(({ part, argv }) => {
        const shell = SHELLS[argv[0] ?? ""];
        const script = argv[2];
        if (!shell || !/^-[a-z]*c$/.test(argv[1] ?? "") || script === undefined) return [];
        return [{ where: `${object.kind} ${object.metadata.name}, container ${container.name}, ${part}`, shell, script }];
      }));
  });
}

function commandsOf(container: V1Container): { part: string; argv: string[] }[] {
  const hook = (part: string, handler: V1LifecycleHandler | undefined) => (handler?.exec?.command ? [{ part, argv: handler.exec.command }] : []);
  const probe = (part: string, p: V1Probe | undefined) => (p?.exec?.command ? [{ part, argv: p.exec.command }] : []);
  return [
    { part: "command", argv: [...(container.command ?? []), ...(container.args ?? [])] },
    ...hook("postStart", container.lifecycle?.postStart),
    ...hook("preStop", container.lifecycle?.preStop),
    ...probe("startupProbe", container.startupProbe),
    ...probe("readinessProbe", container.readinessProbe),
    ...probe("livenessProbe", container.livenessProbe),
  ];
}

/** Whether shellcheck is on PATH; the suites that need it fail, never skip, without it. */
export function shellcheckAvailable(): boolean {
  return spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
}

/** shellcheck's findings for one script (empty when it passes), every severity included. */
export function shellcheck(script: RenderedScript): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("shellcheck", ["--shell", script.shell, "--severity", "style", "--format", "gcc", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.on("error", reject);
    child.on("close", (code) => resolve(code === 0 ? "" : output || `shellcheck exited ${code}`));
    child.stdin.end(script.script);
  });
}
