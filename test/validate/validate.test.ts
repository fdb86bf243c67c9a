import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Origin } from "../../compiler/diagnostics.js";
import type { Manifest } from "../../compiler/engines/types.js";
import { validateManifests } from "../../compiler/validate/validate.js";

const origin: Origin = { file: "clusters/prod/endgame.yaml", doc: 0, path: ["spec", "tidb"] };

/** A Service as an engine builds it, with `change` merged into its spec. */
function service(change: Record<string, unknown> = {}): Manifest {
  const object = {
    apiVersion: "v1", kind: "Service", metadata: { name: "endgame-tidb", namespace: "endgame" },
    spec: { selector: { app: "tidb" }, ports: [{ name: "mysql", port: 4000 }], ...change },
  };
  return { object, origin } as unknown as Manifest;
}

describe("validating the objects a cluster renders against their OpenAPI models", () => {
  it("takes a field whose value is undefined for an absent one, as the models' own constructors do", async () => {
    // GIVEN a Service whose optional fields an engine left undefined, and one whose required port is undefined
    const optional = service({ externalName: undefined, sessionAffinity: undefined });
    const required = service({ ports: [{ name: "mysql", port: undefined }] });
    // WHEN they are validated
    const [passed, failed] = [await validateManifests([optional]), await validateManifests([required])];
    // THEN the first passes and the second misses its port, at the spec field that produced it
    assert.deepEqual(passed, []);
    assert.equal(failed.length, 1, JSON.stringify(failed));
    assert.match(failed[0]!.message, /^Service endgame-tidb: \/spec\/ports\/0 must have required property port;/);
    assert.deepEqual(failed[0]!.origin, origin);
  });

  it("reads the object without changing it", async () => {
    const manifest = service({ type: "NodePort", ports: [{ name: "mysql", port: 4000, nodePort: 30400 }], externalName: undefined });
    const before = structuredClone(manifest.object);
    await validateManifests([manifest]);
    assert.deepEqual(manifest.object, before);
    assert.equal(Object.hasOwn((manifest.object as { spec?: object }).spec!, "externalName"), true);
  });
});
