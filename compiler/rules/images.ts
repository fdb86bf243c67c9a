import { error } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import { describeProvenance } from "../fleet/policy.js";
import type { Rule } from "./types.js";

const ID = "images";

/** The tag of an image reference, or undefined when it has none; a registry port is not a tag. */
export function imageTag(image: string): string | undefined {
  const lastPart = image.slice(image.lastIndexOf("/") + 1).split("@")[0]!;
  const colon = lastPart.indexOf(":");
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** The registry an image is pulled from; Docker Hub for references without one, as the kubelet does. */
export function imageRegistry(image: string): string {
  const first = image.split("/")[0]!;
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/**
 * Every container runs a pinned image: a version tag or a digest, never `latest`, no tag a policy
 * forbids, and only from the registries a policy allows.
 */
export const images: Rule = {
  id: ID,
  description: "images are pinned (a version tag or digest, never latest or a tag a policy forbids) and come from allowed registries",
  level: "error",
  fix: "pin the image to a version tag or digest, or mirror it to a registry a policy allows",
  run(builds) {
    const findings = builds.flatMap((build) => {
      const { forbidTags, allowedRegistries } = build.cluster.policy;
      return build.manifests.flatMap(({ object, origin }) => {
        const pod = podSpecOf(object);
        if (!pod) return [];
        return containersOf(pod).flatMap((container) => {
          const image = container.image ?? "";
          const where = `${object.kind} ${object.metadata.name}, container ${container.name}: image ${image}`;
          const tag = imageTag(image);
          const pinned = image.includes("@sha256:") || (tag !== undefined && tag !== "latest");
          const problems = [];
          if (!pinned) problems.push(error(origin, ID, `${where} is not pinned; use a version tag or a digest`));
          if (tag !== undefined && forbidTags?.value.includes(tag)) {
            problems.push(error(origin, ID, `${where} uses tag ${tag}, forbidden by ${describeProvenance(forbidTags.provenance)}; use another version`));
          }
          const registry = imageRegistry(image);
          if (allowedRegistries && !allowedRegistries.value.includes(registry)) {
            problems.push(error(origin, ID, `${where} comes from ${registry}, not one of ${allowedRegistries.value.join(", ")} allowed by ${describeProvenance(allowedRegistries.provenance)}; mirror the image to an allowed registry`));
          }
          return problems;
        });
      });
    });
    return { builds, findings };
  },
};
