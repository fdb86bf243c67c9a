import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldChanges } from "../../compiler/diff/fields.js";

const TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

describe("field changes between two versions of an object", () => {
  const cases: { name: string; before: unknown; after: unknown; want: string[] }[] = [
    { name: "a scalar", before: { spec: { replicas: 2 } }, after: { spec: { replicas: 5 } }, want: ["spec.replicas: 2 -> 5"] },
    { name: "a new and a gone field", before: { a: 1 }, after: { b: "x" }, want: ["a: 1 -> (none)", "b: (none) -> x"] },
    {
      name: "list items by name, wherever they moved",
      before: { containers: [{ name: "pd", image: "pd:1" }, { name: "tikv", image: "tikv:1" }] },
      after: { containers: [{ name: "tikv", image: "tikv:2" }, { name: "pd", image: "pd:1" }] },
      want: ["containers[name=tikv].image: tikv:1 -> tikv:2"],
    },
    {
      name: "claim templates by metadata.name",
      before: { volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { size: "10Gi" } }] },
      after: { volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { size: "20Gi" } }] },
      want: ["volumeClaimTemplates[name=data].spec.size: 10Gi -> 20Gi"],
    },
    { name: "list items without names by index", before: { args: ["a", "b"] }, after: { args: ["a", "c", "d"] }, want: ["args[1]: b -> c", "args[2]: (none) -> d"] },
    {
      name: "an item inserted into a list without names is one new item",
      before: { clusters: [{ cluster: "a", n: 1 }, { cluster: "c", n: 3 }, { cluster: "d", n: 4 }] },
      after: { clusters: [{ cluster: "a", n: 1 }, { cluster: "b", n: 2 }, { cluster: "c", n: 3 }, { cluster: "d", n: 5 }] },
      want: ['clusters[1]: (none) -> {"cluster":"b","n":2}', "clusters[3].n: 4 -> 5"],
    },
    { name: "an item removed from the middle, by its index before", before: { r: ["x", "y", "z"] }, after: { r: ["x", "z"] }, want: ["r[1]: y -> (none)"] },
    {
      name: "a key that is no identifier, quoted",
      before: { metadata: { annotations: { "argocd.argoproj.io/sync-wave": "1" } } },
      after: { metadata: { annotations: { "argocd.argoproj.io/sync-wave": "2" } } },
      want: ['metadata.annotations["argocd.argoproj.io/sync-wave"]: "1" -> "2"'],
    },
    { name: "a new map as one change", before: {}, after: { spec: { a: 1 } }, want: ['spec: (none) -> {"a":1}'] },
    { name: "multi-line text by its line count", before: { s: "a\nb\n" }, after: { s: "a\nb\nc\n" }, want: ["s: (text, 2 lines) -> (text, 3 lines)"] },
    { name: "a Secret's data, masked", before: { kind: "Secret", data: { password: "aHVudGVyMg==" } }, after: { kind: "Secret", data: { password: "b3RoZXI=" } }, want: ["data.password: *** (before) -> *** (after)"] },
    { name: "a Secret's stringData as a whole, masked inside", before: { kind: "Secret" }, after: { kind: "Secret", stringData: { token: "hunter2" } }, want: ['stringData: (none) -> {"token":"*** (after)"}'] },
    {
      name: "a Secret inside a List, masked as a Secret",
      before: { kind: "List", items: [{ kind: "Secret", data: { password: "aHVudGVyMg==" } }] },
      after: { kind: "List", items: [{ kind: "Secret", data: { password: "b3RoZXI=" } }, { kind: "Secret", data: { k: "dg==" } }] },
      want: ["items[0].data.password: *** (before) -> *** (after)", 'items[1]: (none) -> {"kind":"Secret","data":{"k":"*** (after)"}}'],
    },
    { name: "a secret-looking value of any object, masked", before: { kind: "ConfigMap", data: { t: TOKEN } }, after: { kind: "ConfigMap", data: { t: "ref" } }, want: ["data.t: *** (before) -> ref"] },
    { name: "equal objects: no change", before: { a: [1, { b: 2 }] }, after: { a: [1, { b: 2 }] }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // GIVEN two versions of an object WHEN they are compared THEN each differing value is one line
      const lines = fieldChanges(c.before, c.after).map((f) => `${f.path}: ${f.before ?? "(none)"} -> ${f.after ?? "(none)"}`);
      assert.deepEqual(lines, c.want);
    });
  }
});
