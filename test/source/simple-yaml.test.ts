import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import fg from "fast-glob";
import { Document, parseAllDocuments, stringify, visit, type ToStringOptions } from "yaml";
import { parseSyntax } from "../../compiler/source/load.js";
import { documentOffsets } from "../../compiler/source/offsets.js";
import { readSimpleYaml, simpleYamlOffsets } from "../../compiler/source/simple-yaml.js";
import { fixturePath, REPO_ROOT } from "../helpers.js";

/** What yaml reads, as load.ts keeps it (documents with content), or undefined when yaml reports an error. */
function yamlReading(text: string): unknown[] | undefined {
  const parsed = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  const documents = Array.isArray(parsed) ? parsed : [];
  if (documents.some((d) => d.errors.length > 0)) return undefined;
  return documents.filter((d) => d.contents !== null).map((d) => d.toJS());
}

/** The reader either refuses a text or reads exactly what yaml reads, and never reads a text yaml rejects. */
function assertReadsAsYaml(text: string): boolean {
  const mine = readSimpleYaml(text);
  if (mine === undefined) return false;
  assert.deepEqual(mine, yamlReading(text), text);
  return true;
}

/** Every path into `value`, and one past each of its ends: a missing key, an index out of range, a field of a scalar. */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [path, [...path, value.length], [...path, "0"], ...value.flatMap((item, i) => pathsOf(item, [...path, i]))];
  if (typeof value === "object" && value !== null) return [path, [...path, "missing"], [...path, 0], ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k]))];
  return [path, [...path, "field"]];
}

/** For a text the reader reads, every path is located where yaml's syntax tree locates it. */
function assertLocatedAsYaml(text: string): void {
  const documents = readSimpleYaml(text);
  if (documents === undefined) return;
  const mine = simpleYamlOffsets(text)!;
  const theirs = documentOffsets(parseSyntax(text).documents);
  for (const [doc, value] of [...documents.entries(), [documents.length, undefined] as const]) {
    for (const path of pathsOf(value)) assert.equal(mine(doc, path), theirs(doc, path), `${JSON.stringify(path)} of document ${doc} in\n${text}`);
  }
}

/** Scalars that a reader could take for another type or for syntax, as keys and values. */
const TRICKY = [
  "", "a", "yes", "no", "on", "true", "True", "TRUE", "tRUE", "false", "null", "Null", "NULL", "~", "0", "-0", "+1", "017", "0o17",
  "0O17", "0x1F", "0X1f", "1_000", "1e3", "1E3", "-1.5e-3", ".5", "-.5", "1.", "1.0", "1:20", ".inf", "-.Inf", ".nan", ".NaN",
  "NaN", "2027-01-31", "<<", "-", "- x", "-x", "?", "?x", ":", ":x", "a: b", "a:", "a:b", "a #b", "a#b", "#a", ",a", "a,b", "[a]",
  "{a: 1}", "&a", "*a", "!a", "|", ">", "'a'", "it's", "\"a\"", "%a", "@a", "`a", " a", "a ", "a  b", "---", "...", "\\", "a\\b",
  "app.kubernetes.io/name", "10Gi", "250m", "v7.5.1", "databases/db-1/root", "é", "日本語", "🚀", "a\nb", "a\n", "\na", "  a\nb",
];

/** Mostly what specs hold, with tricky and arbitrary strings among them. */
const scalar = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY), weight: 2 },
  { arbitrary: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9./:_-]{0,12}$/), weight: 3 },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.double({ noNaN: false }), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);
const key = fc.oneof({ arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9./-]{0,12}$/), weight: 8 }, { arbitrary: fc.constantFrom(...TRICKY), weight: 1 });
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
}));

/** A block map whose values are flow collections, as specs write `metadata: { name: a }`. */
function flowInside(map: object, options: ToStringOptions = {}): string {
  const document = new Document(map);
  visit(document, {
    Map: (_, node) => void (node !== document.contents && (node.flow = true)),
    Seq: (_, node) => void (node.flow = true),
  });
  return document.toString(options);
}

/** The styles people write specs in, as yaml writes them. */
const STYLES: ((map: object) => string)[] = [
  ...([
    {},
    { indentSeq: false },
    { indent: 4 },
    { collectionStyle: "flow" },
    { defaultStringType: "QUOTE_SINGLE" },
    { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" },
    { blockQuote: "literal" },
    { lineWidth: 0, minContentWidth: 0 },
  ] satisfies ToStringOptions[]).map((options) => (map: object) => stringify(map, options)),
  (map) => flowInside(map),
  (map) => flowInside(map, { flowCollectionPadding: false, defaultStringType: "QUOTE_SINGLE", defaultKeyType: "PLAIN" }),
];

describe("readSimpleYaml", () => {
  it("reads what yaml reads, or refuses: any map, in every style yaml writes", () => {
    // GIVEN any map, written by yaml in each style, alone, after a comment and between documents
    let read = 0;
    fc.assert(fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), fc.constantFrom(...STYLES), (map, write) => {
      const text = write(map);
      for (const variant of [text, `# a spec\n${text}`, `---\n${text}`, `${text}---\n${text}`]) {
        // WHEN it is read; THEN it reads as yaml reads it, or not at all
        if (assertReadsAsYaml(variant)) read++;
      }
    }), { numRuns: 3000 });
    // AND the subset is not empty: a reader that refused everything would pass the property above
    assert.ok(read > 1200, `read ${read} texts of 12,000`);
  });

  it("reads comments, flow maps in block maps, lists at their key's indentation and literal blocks as yaml does", () => {
    const texts = [
      "a: 1 # one\n# between\nb:   two   # trailing spaces and a comment\n",
      "metadata: { name: db-1, labels: { env: prod } }\nspec:\n  cells: [zone1, zone2]\n  shards: [\"0\", '-80']\n",
      "list:\n- a\n- b: 1\n  c: [x, 'y z']\nnext: {}\nempty: []\n",
      "nodes:\n    - name: n1\n      directories:\n        - { path: /data/pv/disk0, capacity: 200Gi }\n",
      "script: |\n  #!/bin/sh\n  echo 'a: b' # not a comment\n\n  exit 0\nafter: |-\n    kept\n      indented\nlast: x\n",
      "list:\n  - |\n    in a list\n  - plain\n",
      "a: ~\nb:\nc: null\nd: 0o17\ne: 0x1F\nf: -.5\ng: 1e3\nh: .inf\ni: 007\nj: +1\n",
      "a: 1\n---\nb: 2\n",
    ];
    for (const text of texts) assert.ok(assertReadsAsYaml(text), text);
  });

  it("refuses what it does not read, which yaml reads otherwise or rejects", () => {
    const refused = [
      "a: &x 1\nb: *x\n", // anchors and aliases
      "a: !!str 1\n", // tags
      "a: b: c\n", // a map in a compact value: yaml rejects it
      "a: one\n  two\n", // a plain scalar over two lines
      "a: one\n    # deeper than its key\n",
      "a:\n\tb: 1\n", // tabs
      "a: 1\r\nb: 2\r\n", // CRLF
      "\ufeffa: 1\n", // a byte-order mark
      "a: 1\na: 2\n", // duplicate keys: yaml reports them
      "? a\n: 1\n", // explicit keys
      "\"a\": 1\n", "'a': 1\n", // quoted keys
      "1: a\n", "true: a\n", "null: a\n", "0x1: a\n", // keys that are not strings
      "__proto__: 1\n",
      "a: [1, 2,]\n", "a: [1,\n  2]\n", "a: {b:1}\n", "a: [b: 1]\n", "a: [app:1]\n", // flow collections outside the subset
      "a: |+\n  x\n\n", "a: >\n  x\n", "a: |2\n   x\n", "a: |\n\n  x\n", "a: |\n  x\n   \n  y\n", // literal blocks outside it
      "a: \"x\\ty\"\n", // escapes
      "a: 1", // no final line break
      "", "# only a comment\n", "a: 1\n---\n", "a: 1\n...\n", "%YAML 1.2\n---\na: 1\n", "--- a: 1\n", // documents outside it
      "- a\n", "plain\n", "  a: 1\n", // a root that is not a map at column 0
      "a:\n  - - x\n", "a:\n  -\n    x\n", // nested and empty list items
      "a: ${x}\n", "a: [x]y\n", "a: \"x\"y\n",
    ];
    for (const text of refused) assert.equal(readSimpleYaml(text), undefined, JSON.stringify(text));
  });

  it("locates every node, and the end of every path that runs past the nodes, where yaml's syntax tree does", () => {
    fc.assert(fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), fc.constantFrom(...STYLES), (map, write) => {
      const text = write(map);
      for (const variant of [text, `# a spec\n${text}`, `${text}---\n${text}`]) assertLocatedAsYaml(variant);
    }), { numRuns: 1000 });
    for (const file of fg.sync(["clusters/**/*.{yaml,yml}", "test/fixtures/**/*.{yaml,yml}"], { cwd: REPO_ROOT })) {
      assertLocatedAsYaml(readFileSync(path.join(REPO_ROOT, file), "utf8"));
    }
  });

  it("reads every spec of the example fleet, and no file of the repository otherwise than yaml", () => {
    const example = fg.sync("**/*.yaml", { cwd: fixturePath("example-fleet") });
    assert.ok(example.length > 0);
    for (const file of example) assert.ok(assertReadsAsYaml(readFileSync(fixturePath("example-fleet", file), "utf8")), file);
    for (const file of fg.sync(["clusters/**/*.{yaml,yml}", "policies/**/*.{yaml,yml}", "test/fixtures/**/*.{yaml,yml}", "rendered/**/*.yaml"], { cwd: REPO_ROOT })) {
      assertReadsAsYaml(readFileSync(path.join(REPO_ROOT, file), "utf8"));
    }
  });
});
