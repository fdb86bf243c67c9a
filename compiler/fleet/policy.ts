import { error, type Finding, type Origin } from "../diagnostics.js";
import type { NetworkPeerSpec, ResourcesSpec } from "../schema/common.js";
import type { PolicyDocument, PolicyException } from "../schema/policy.js";

/** CPU and memory requests and limits of one container, as the layers set them. */
export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Where an effective value came from, for `clusterc explain` and for findings that point at it. */
export type Provenance =
  | { from: "built-in" }
  | { from: "policy"; policy: string; origin: Origin }
  | { from: "spec"; origin: Origin };

export interface Effective<T> {
  value: T;
  provenance: Provenance;
}

/** A Policy document as the fleet uses it. */
export interface Policy {
  name: string;
  spec: PolicyDocument["spec"];
  origin: Origin;
}

/** The resource defaults an engine offers for one component, and where the spec overrides them. */
export interface ComponentResourceDefaults {
  component: string;
  defaults: Resources;
  /** Path from `spec` to the component's map, whose `resources` field overrides the defaults. */
  specPath: readonly string[];
}

type ResourceName = "cpu" | "memory";
type ResourceSide = "requests" | "limits";
export type EffectiveResources = Record<ResourceSide, Record<ResourceName, Effective<string>>>;

export interface ClusterException extends PolicyException {
  policy: string;
  origin: Origin;
}

/** Everything the rules need to know about the policies that apply to one cluster, layered. */
export interface ClusterPolicy {
  /** The names of the policies that select the cluster, in the order they layer. */
  policies: string[];
  resources: Record<string, EffectiveResources>;
  antiAffinity?: Effective<"required" | "preferred">;
  forbidTags?: Effective<string[]>;
  allowedRegistries?: Effective<string[]>;
  allowedPrefixes?: Effective<string[]>;
  minimum: Partial<Record<ResourceName, Effective<string>>>;
  maximum: Partial<Record<ResourceName, Effective<string>>>;
  maxLimitRequestRatio?: Effective<number>;
  /** The Pod Security Standards level every pod must meet; baseline when no policy sets it. */
  podSecurity?: Effective<"baseline" | "restricted">;
  /** Whether an init container chowns hostPath data directories as root. */
  hostPathChown?: Effective<boolean>;
  /** The pods that may scrape metrics and status ports. */
  monitoring?: Effective<NetworkPeerSpec>;
  /** The exceptions that name the cluster, from any policy: an exception says which cluster it is for. */
  exceptions: ClusterException[];
}

/**
 * The containers no engine sizes (init containers, sidecars, hook Jobs' containers): one component
 * of every cluster kind, so policies (`defaults.<kind>.helpers`) and the spec (`spec.helpers.resources`)
 * size them through the same layers as the engine's own components.
 */
export const HELPERS: ComponentResourceDefaults = {
  component: "helpers",
  defaults: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  specPath: ["helpers"],
};

/** The components whose resources layer for a kind: the engine's, then the helpers. */
function layeredComponents(engineComponents: readonly ComponentResourceDefaults[]): ComponentResourceDefaults[] {
  return [...engineComponents, HELPERS];
}

const SIDES: readonly ResourceSide[] = ["requests", "limits"];
const NAMES: readonly ResourceName[] = ["cpu", "memory"];

export function selects(policy: Policy, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(policy.spec.selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/** Checks that a policy's defaults name components its cluster kinds have. */
export function policyDefaultFindings(policy: Policy, componentsOf: (kind: string) => readonly ComponentResourceDefaults[]): Finding[] {
  return Object.entries(policy.spec.defaults ?? {}).flatMap(([kind, components]) => {
    const known = layeredComponents(componentsOf(kind)).map((c) => c.component);
    return Object.keys(components ?? {})
      .filter((component) => !known.includes(component))
      .map((component) => error({ ...policy.origin, path: ["spec", "defaults", kind, component] }, "policy-defaults",
        `${kind} has no component "${component}" (components: ${known.join(", ")}); fix the name`));
  });
}

/**
 * Layers one cluster's settings: built-in engine defaults < the policies that select it, in file-name
 * order (a later policy overrides an earlier one, value by value) < the spec. `components` are the
 * engine's; the helpers are layered for every kind.
 */
export function clusterPolicy(
  kind: string,
  name: string,
  labels: Readonly<Record<string, string>>,
  spec: unknown,
  specOrigin: Origin,
  components: readonly ComponentResourceDefaults[],
  policies: readonly Policy[],
): ClusterPolicy {
  const applying = policies.filter((p) => selects(p, labels));
  const last = <T>(read: (p: Policy) => T | undefined, path: (string | number)[]): Effective<T> | undefined =>
    applying.reduce<Effective<T> | undefined>((found, p) => {
      const value = read(p);
      return value === undefined ? found : { value, provenance: { from: "policy", policy: p.name, origin: { ...p.origin, path: ["spec", ...path] } } };
    }, undefined);
  const bound = (side: "min" | "max") => Object.fromEntries(NAMES.flatMap((name) => {
    const found = last((p) => p.spec.rules?.resources?.[side]?.[name], ["rules", "resources", side, name]);
    return found ? [[name, found]] : [];
  }));
  return {
    policies: applying.map((p) => p.name),
    resources: Object.fromEntries(layeredComponents(components).map((c) => [c.component, componentResources(kind, c, spec, specOrigin, applying)])),
    ...optional("antiAffinity", last((p) => p.spec.rules?.antiAffinity, ["rules", "antiAffinity"])),
    ...optional("forbidTags", last((p) => p.spec.rules?.images?.forbidTags, ["rules", "images", "forbidTags"])),
    ...optional("allowedRegistries", last((p) => p.spec.rules?.images?.allowedRegistries, ["rules", "images", "allowedRegistries"])),
    ...optional("allowedPrefixes", last((p) => p.spec.rules?.hostPath?.allowedPrefixes, ["rules", "hostPath", "allowedPrefixes"])),
    minimum: bound("min"),
    maximum: bound("max"),
    ...optional("maxLimitRequestRatio", last((p) => p.spec.rules?.resources?.maxLimitRequestRatio, ["rules", "resources", "maxLimitRequestRatio"])),
    ...optional("podSecurity", last((p) => p.spec.rules?.podSecurity, ["rules", "podSecurity"])),
    ...optional("hostPathChown", last((p) => p.spec.rules?.hostPathChown, ["rules", "hostPathChown"])),
    ...optional("monitoring", last((p) => p.spec.rules?.networkPolicies?.monitoring, ["rules", "networkPolicies", "monitoring"])),
    exceptions: policies.flatMap((p) => (p.spec.exceptions ?? [])
      .map((e, i) => ({ ...e, policy: p.name, origin: { ...p.origin, path: ["spec", "exceptions", i] } }))
      .filter((e) => e.cluster === name)),
  };
}

function optional<K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };
}

function componentResources(kind: string, component: ComponentResourceDefaults, spec: unknown, specOrigin: Origin, policies: readonly Policy[]): EffectiveResources {
  const specResources = valueAt(spec, [...component.specPath, "resources"]) as ResourcesSpec | undefined;
  const layered = {} as EffectiveResources;
  for (const side of SIDES) {
    layered[side] = {} as Record<ResourceName, Effective<string>>;
    for (const name of NAMES) {
      let effective: Effective<string> = { value: component.defaults[side][name], provenance: { from: "built-in" } };
      for (const policy of policies) {
        const value = policy.spec.defaults?.[kind as keyof NonNullable<PolicyDocument["spec"]["defaults"]>]?.[component.component]?.[side]?.[name];
        if (value !== undefined) {
          effective = { value, provenance: { from: "policy", policy: policy.name, origin: { ...policy.origin, path: ["spec", "defaults", kind, component.component, side, name] } } };
        }
      }
      const fromSpec = specResources?.[side]?.[name];
      if (fromSpec !== undefined) {
        effective = { value: fromSpec, provenance: { from: "spec", origin: { ...specOrigin, path: ["spec", ...component.specPath, "resources", side, name] } } };
      }
      layered[side][name] = effective;
    }
  }
  return layered;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** The plain requests and limits of a component, for the engine's container. */
export function resourceValues(resources: EffectiveResources): Resources {
  const values = (side: ResourceSide) => ({ cpu: resources[side].cpu.value, memory: resources[side].memory.value });
  return { requests: values("requests"), limits: values("limits") };
}

/** `policy production (policies/prod.yaml)`: how explain and messages name a provenance. */
export function describeProvenance(provenance: Provenance): string {
  switch (provenance.from) {
    case "built-in": return "built-in";
    case "policy": return `policy ${provenance.policy} (${provenance.origin.file})`;
    case "spec": return `spec (${provenance.origin.file})`;
  }
}
