import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse, parseDocument } from "yaml";
import { readCanonicalYaml, toCanonicalYaml } from "../../compiler/canonical-yaml.js";
import { renderExampleFleet } from "../helpers.js";

/** Both schemas our readers use: YAML 1.2 core (most tools) and YAML 1.1 (Go's yaml behind kubectl, Argo CD, Flux). */
const SCHEMAS = [{ name: "YAML 1.2", options: {} }, { name: "YAML 1.1", options: { version: "1.1" } }] as const;

/** Reads a document back, failing on any error or warning. */
function read(text: string, options: (typeof SCHEMAS)[number]["options"]): unknown {
  const document = parseDocument(text, options);
  assert.deepEqual([...document.errors, ...document.warnings].map((e) => e.message), [], text);
  return document.toJS();
}

/** Strings that a careless emitter writes plain and a reader takes for something else. */
const AMBIGUOUS = [
  "", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
  "true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "null", "Null", "NULL", "nUll", "~",
  "0", "-1", "+1", "017", "0o17", "0O17", "0x1F", "0X1f", "-0x1F", "0b101", "1_000", "1__0", "1e3", "1E3", "1e+3", "-1.5e-3",
  ".5", "-.5", "1.", "1.0", "1_000.5", "1:20", "190:20:30.15", ".inf", "-.inf", "+.INF", ".Inf", ".nan", ".NaN", "NaN", "inf", "-Infinity", ".", "._", "e1", "-E5", ".e1", "_",
  "2027-01-31", "2027-1-3", "2027-01-31T10:00:00Z", "2027-01-31 10:00:00", "2027-01-31t10:00:00.5+02:00",
  "=", "<<",
  "-", "- x", "?", "? x", ":", ": x", "a: b", "a:", "a #b", "a\t#b", "#a", ",a", "[a]", "]", "{a: 1}", "}", "&a", "*a", "!a", "!!str",
  "|", "|a", ">", ">a", "'a'", "'", "\"a\"", "\"", "%YAML 1.1", "@a", "`a",
  " a", "a ", " ", "  ", "\t", "a\tb", "\ta", "a\t", "---", "--- a", "...", "... a",
  "\n", "\n\n", "a\n", "a\n\n", "\na", " a\nb", "\ta\nb", "a\n ", "a\n\t", "a\r\nb", "a\rb", "\r",
  "\x00", "\x07", "\x1b[0m", "\x7f", "\x85", "\u0085a\nb", "\xa0", "a\u2028b", "a\u2029b", "\ufeffa", "\ufffe", "\uffff", "\ud800", "\udc00x",
  "é", "日本語", "🚀", "a\u00a0", "\u3000",
];

describe("toCanonicalYaml", () => {
  describe("ambiguous scalars stay strings", () => {
    for (const value of AMBIGUOUS) {
      for (const schema of SCHEMAS) {
        it(`${JSON.stringify(value)} as value and key, under ${schema.name}`, () => {
          // GIVEN a value and a key that a reader could misread
          const object = { value, list: [value], [value]: "key" };
          // WHEN it is written and read back
          const text = toCanonicalYaml(object);
          // THEN the reader sees exactly the strings we wrote
          assert.deepEqual(read(text, schema.options), object, text);
        });
      }
    }
  });

  describe("style", () => {
    const cases: { name: string; object: object; yaml: string }[] = [
      {
        name: "apiVersion, kind and metadata first, then sorted keys; lists indented under their key",
        object: {
          spec: { template: { metadata: { name: "t", labels: { b: "2", a: "1" } } }, ports: [{ name: "client", containerPort: 2379 }] },
          metadata: { labels: { z: "z" }, annotations: { "argocd.argoproj.io/sync-wave": "0" }, namespace: "ns", name: "svc", finalizers: ["f"] },
          kind: "Service",
          apiVersion: "v1",
        },
        yaml: `apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: ns
  labels:
    z: z
  annotations:
    argocd.argoproj.io/sync-wave: "0"
  finalizers:
    - f
spec:
  ports:
    - containerPort: 2379
      name: client
  template:
    metadata:
      labels:
        a: "1"
        b: "2"
      name: t
`,
      },
      {
        name: "plain where every reader agrees: flags, quantities, paths, addresses, versions",
        object: { args: ["-c", "--join=http://pd:2379", "10Gi", "500m", "/bin/sh", "172.17.4.101", "v7.5.1", "Prune=false,Delete=false", "a#b", "a:b"] },
        yaml: "args:\n  - -c\n  - --join=http://pd:2379\n  - 10Gi\n  - 500m\n  - /bin/sh\n  - 172.17.4.101\n  - v7.5.1\n  - Prune=false,Delete=false\n  - a#b\n  - a:b\n",
      },
      {
        name: "empty maps and lists in flow style; null and undefined map values left out",
        object: { a: {}, b: [], c: [{}, []], d: null, e: undefined },
        yaml: "a: {}\nb: []\nc:\n  - {}\n  - []\n",
      },
      {
        name: "lists of lists and numbers, exponents with a decimal point for YAML 1.1",
        object: { a: [[1, 2], [true, false]], b: 1e21, c: -1.5e-7, d: 0.25 },
        yaml: "a:\n  - - 1\n    - 2\n  - - true\n    - false\nb: 1.0e+21\nc: -1.5e-7\nd: 0.25\n",
      },
      {
        name: "multi-line strings as literal blocks, with chomping and indentation indicators",
        object: { clip: "a\n  b\n", strip: "a\nb", keep: "a\n\n", indented: "  a\nb\n", blank: "a\n\nb\n", list: ["x\ny\n"] },
        yaml: "blank: |\n  a\n\n  b\nclip: |\n  a\n    b\nindented: |2\n    a\n  b\nkeep: |+\n  a\n\nlist:\n  - |\n    x\n    y\nstrip: |-\n  a\n  b\n",
      },
      {
        name: "double quotes with JSON escapes where a block cannot hold the string (Go's yaml rejects a block starting with a tab)",
        object: { crlf: "a\r\nb", trailing: "a\n  ", nel: "a\u0085b", only: "\n", tab: "\ta\nb" },
        yaml: 'crlf: "a\\r\\nb"\nnel: "a\\u0085b"\nonly: "\\n"\ntab: "\\ta\\nb"\ntrailing: "a\\n  "\n',
      },
    ];
    for (const { name, object, yaml } of cases) {
      it(name, () => {
        assert.equal(toCanonicalYaml(object), yaml);
      });
    }

    it("writes a key longer than a reader's implicit-key limit as an explicit `? key`", () => {
      // GIVEN a key of 2,000 characters, in a nested map and in a list item
      const key = "k".repeat(2000);
      const object = { map: { [key]: "v", other: ["x"] }, list: [{ [key]: { a: 1 } }] };
      // WHEN it is written
      const text = toCanonicalYaml(object);
      // THEN it uses the explicit form and reads back under both schemas
      assert.match(text, new RegExp(`^  \\? ${key}\\n  : v$`, "m"));
      for (const schema of SCHEMAS) assert.deepEqual(read(text, schema.options), object);
    });

    it("rejects values outside the JSON data model instead of writing something else", () => {
      for (const value of [[null], [undefined], Number.NaN, Number.POSITIVE_INFINITY, 1n, () => 1, Symbol("s")]) {
        assert.throws(() => toCanonicalYaml({ value }), TypeError);
      }
    });
  });

  describe("properties", () => {
    /** Characters that matter to YAML, densely, so short strings hit the interesting cases. */
    const yamlChar = fc.constantFrom(
      "a", "Z", "0", "1", "e", "x", ".", "_", " ", "\t", "\n", "\r", ":", "#", "-", "?", ",", "[", "]", "{", "}", "&", "*", "!",
      "|", ">", "'", "\"", "%", "@", "`", "~", "=", "<", "\\", "/", "\x00", "\x1f", "\x7f", "\x85", "\xa0", "\u2028", "\ufeff", "é", "😀",
    );
    const nastyString = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string({ unit: yamlChar, maxLength: 12 }),
      fc.constantFrom(...AMBIGUOUS),
      fc.array(fc.oneof(fc.string({ unit: yamlChar, maxLength: 6 }), fc.constantFrom(...AMBIGUOUS)), { maxLength: 5 }).map((lines) => lines.join("\n")),
    );
    const number = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)));
    const { map } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, nastyString, number, fc.boolean(), tie("list"), tie("map")),
      list: fc.array(tie("value"), { maxLength: 4 }),
      map: fc.dictionary(nastyString, tie("value"), { maxKeys: 5, noNullPrototype: true }),
    }));
    const PARAMETERS = { seed: 20240601, numRuns: 3000 };

    for (const schema of SCHEMAS) {
      it(`${schema.name} reads every emitted document back to the input`, () => {
        fc.assert(fc.property(map, (object) => {
          assert.deepEqual(read(toCanonicalYaml(object as object), schema.options), object);
        }), PARAMETERS);
      });
    }

    it("is deterministic: the same object with keys inserted in another order gives the same bytes", () => {
      const reversed = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(reversed);
        if (typeof value !== "object" || value === null) return value;
        return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
      };
      fc.assert(fc.property(map, (object) => {
        assert.equal(toCanonicalYaml(reversed(object) as object), toCanonicalYaml(object as object));
      }), PARAMETERS);
    });

    it("readCanonicalYaml reads an emitted document as the input, or leaves it to the parser", () => {
      let read = 0;
      fc.assert(fc.property(map, (object) => {
        const value = readCanonicalYaml(toCanonicalYaml(object as object));
        if (value === undefined) return;
        read++;
        assert.deepEqual(value, object);
      }), PARAMETERS);
      // most of these documents have keys only quotes can hold, which it leaves to the parser
      assert.ok(read >= 100, `read ${read} of ${PARAMETERS.numRuns}`);
    });

    it("readCanonicalYaml reads every document of plain keys and one-line strings, as a state file is", () => {
      // the keys of the state files
      const key = fc.constantFrom("apiVersion", "kind", "digest", "placements", "claim", "name", "namespace", "cluster", "component",
        "hostPathType", "node", "path", "pool", "state", "clusters", "bootstrap", "replicas", "pd", "tikv", "etcd", "mysql", "datanode");
      const { map: stateLike } = fc.letrec((tie) => ({
        value: fc.oneof({ depthSize: "small" }, fc.string({ unit: yamlChar, maxLength: 12 }).filter((t) => !t.includes("\n")), number, fc.boolean(), tie("list"), tie("map")),
        list: fc.array(tie("value"), { maxLength: 4 }),
        map: fc.dictionary(key, tie("value"), { maxKeys: 5, noNullPrototype: true }),
      }));
      fc.assert(fc.property(stateLike, (object) => {
        assert.deepEqual(readCanonicalYaml(toCanonicalYaml(object as object)), object);
      }), PARAMETERS);
    });
  });

  it("readCanonicalYaml reads the state files of a rendered fleet as yaml's parser does", async () => {
    // GIVEN the example fleet, rendered
    const { files, cleanup } = await renderExampleFleet();
    await cleanup();
    for (const file of ["hostpath-placements.yaml", "cluster-state.yaml"]) {
      // WHEN its state file, after the comment, is read
      const body = files.get(file)!.replace(/^(?:#.*\n)*/, "");
      // THEN without the parser, to the same value
      assert.deepEqual(readCanonicalYaml(body), parse(body), file);
    }
  });

  it("readCanonicalYaml reads literal blocks of every chomping and quoted keys, as rendered ConfigMaps and scripts hold them", () => {
    const scripts = ["set -eu\nexec pd-server\n", "no final\nbreak", "two final breaks\n\n", "  indented first line\nx\n", "a\n\nb\n"];
    const object = { data: { "0": "zone=zone-0", "a b": "c" }, args: scripts, nested: [{ script: scripts[0], "1": scripts[3] }] };
    const text = toCanonicalYaml(object);
    assert.match(text, /\|-\n/);
    assert.match(text, /\|\+\n/);
    assert.match(text, /\|2\n/);
    assert.deepEqual(readCanonicalYaml(text), object);
  });

  describe("readCanonicalYaml on text clusterc did not write", () => {
    const written = toCanonicalYaml({ kind: "HostPathPlacements", placements: [{ claim: { name: "data-0" }, node: "n1", state: "bound" }] });
    const edits: [string, string][] = [
      ["a value moved by a space", written.replace("node: n1", "node:  n1")],
      ["keys out of order", written.replace("  - claim:\n      name: data-0\n    node: n1", "  - node: n1\n    claim:\n      name: data-0")],
      ["a comment", written.replace("state: bound", "state: bound # was released")],
      ["a flow mapping", written.replace("  - claim:\n      name: data-0\n", "  - claim: { name: data-0 }\n")],
      ["a number written another way", toCanonicalYaml({ size: 16 }).replace("16", "0x10")],
      ["a duplicate key", written + "kind: Other\n"],
      ["no final line break", written.slice(0, -1)],
      ["a tab for indentation", written.replace("    node", "\tnode")],
      ["a literal block indented by three", toCanonicalYaml({ script: "a\nb\n" }).replace(/\n {2}/g, "\n   ")],
      ["a folded block", toCanonicalYaml({ script: "a\nb\n" }).replace("|", ">")],
      ["lists nested 100,000 deep on one line", `k:\n  ${"- ".repeat(100_000)}x\n`],
    ];
    for (const [what, text] of edits) {
      it(`leaves ${what} to the YAML parser`, () => {
        assert.notEqual(text, written);
        assert.equal(readCanonicalYaml(text), undefined);
      });
    }
  });
});
