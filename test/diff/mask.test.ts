import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskTexts } from "../../compiler/diff/mask.js";

const SECRET = (data: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n${data}`;

describe("masking secret values in the texts of a changed file", () => {
  it("replaces a Secret's values in place, keeping every line, a block scalar's too", () => {
    // GIVEN a Secret with a plain and a block value, changed
    const before = SECRET("data:\n  password: aHVudGVyMg==\nstringData:\n  note: |\n    line one\n    line two\nimmutable: false\n");
    const after = SECRET("data:\n  password: b3RoZXI=\nimmutable: true\n");
    // WHEN both are masked
    const masked = maskTexts(before, after);
    // THEN values show only their side, keys and the rest of the text stay
    assert.equal(masked.before, SECRET("data:\n  password: *** (before)\nstringData:\n  note: *** (before)\nimmutable: false\n"));
    assert.equal(masked.after, SECRET("data:\n  password: *** (after)\nimmutable: true\n"));
  });

  it("shows a secret both sides hold the same as ***, so an unchanged value is no change", () => {
    const text = (immutable: string) => SECRET(`data:\n  password: aHVudGVyMg==\nimmutable: ${immutable}\n`);
    const masked = maskTexts(text("false"), text("true"));
    assert.match(masked.before!, /password: \*\*\*\n/);
    assert.match(masked.after!, /password: \*\*\*\n/);
  });

  it("masks secret-looking text in any object, and line by line in a file YAML cannot read", () => {
    const token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
    const masked = maskTexts(`kind: ConfigMap\ndata:\n  url: https://user:pa55word@db.example/x\n  t: ${token}\n`, `{ broken: [\n  t: ${token}\n`);
    assert.equal(masked.before, "kind: ConfigMap\ndata:\n  url: *** (before)\n  t: *** (before)\n");
    assert.equal(masked.after, "{ broken: [\n  *** (after)\n");
  });

  it("masks a secret spelt with escape sequences, which the text alone does not show", () => {
    // GIVEN a token whose first letter is written as \x67 ("g") in a double-quoted scalar
    const masked = maskTexts('kind: ConfigMap\ndata:\n  t: "\\x67hp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"\n', undefined);
    assert.equal(masked.before, "kind: ConfigMap\ndata:\n  t: *** (before)\n");
  });

  it("masks the values of a Secret inside a List", () => {
    const masked = maskTexts("kind: List\nitems:\n  - kind: Secret\n    data:\n      password: aHVudGVyMg==\n", undefined);
    assert.equal(masked.before, "kind: List\nitems:\n  - kind: Secret\n    data:\n      password: *** (before)\n");
  });

  it("leaves a file without secrets as it is", () => {
    const text = "kind: Service\nmetadata:\n  name: orders\nspec:\n  ports:\n    - port: 3306\n";
    assert.deepEqual(maskTexts(text, undefined), { before: text });
  });
});
