import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { copyOf } from "../../compiler/engines/shared/pods.js";

describe("copies of engine output for transformers", () => {
  it("share nothing with the original: editing a copy, however deep, leaves the engine's object as it was", () => {
    // GIVEN an object like those engines build, fields left undefined included
    const original = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db-pd", labels: { "app.kubernetes.io/component": "pd" }, annotations: undefined },
      spec: { replicas: 3, template: { spec: { containers: [{ name: "pd", args: ["--data-dir=/var/lib/pd"], ports: [{ containerPort: 2379 }] }] } } },
    };
    const before = structuredClone(original);
    // WHEN a transformer edits its copy at every depth
    const copy = copyOf(original);
    copy.metadata.labels["app.kubernetes.io/component"] = "tikv";
    copy.spec.replicas = 5;
    copy.spec.template.spec.containers[0]!.args.push("--log-level=debug");
    copy.spec.template.spec.containers[0]!.ports[0]!.containerPort = 2380;
    copy.spec.template.spec.containers.push({ name: "sidecar", args: [], ports: [] });
    // THEN the original is unchanged, and an unedited copy equals it, undefined fields and all
    assert.deepStrictEqual(original, before);
    assert.deepStrictEqual(copyOf(original), before);
    assert.ok("annotations" in copyOf(original).metadata);
  });
});
