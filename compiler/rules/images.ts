import { error } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import type { Rule } from "./types.js";

const ID = "image-pinned";

/** The tag of an image reference, or undefined when it has none; a registry port is not a tag. */
export function imageTag(image: string): string | undefined {
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** Every container runs a pinned image: a tag other than `latest`, or a digest. */
export const imagePinned: Rule = {
  id: ID,
  description: "every image is pinned to a version tag or a digest, never `latest` or untagged",
  run(builds) {
    const findings = builds.flatMap((build) => build.manifests.flatMap(({ object, origin }) => {
      const pod = podSpecOf(object);
      if (!pod) return [];
      return containersOf(pod).flatMap((container) => {
        const image = container.image ?? "";
        const tag = imageTag(image);
        if (image.includes("@sha256:") || (tag !== undefined && tag !== "latest")) return [];
        return [error(origin, ID, `${object.kind} ${object.metadata.name}, container ${container.name}: image ${image} is not pinned; use a version tag or a digest`)];
      });
    }));
    return { builds, findings };
  },
};
