import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { runCli, tempProject } from "../helpers.js";

const HEADER = "apiVersion: clusterc/v1\nkind: TiDBCluster\n";
const REST = "spec:\n  version: v7.5.1\n  pd: { storage: { size: 1Gi } }\n  tikv: { storage: { size: 1Gi } }\n  rootPassword: { secretRef: { name: r, key: p } }\n";

/** Inputs a careless or hostile contributor can commit; each must end in a located error, nothing else. */
const CASES: { name: string; file: string; content: string | Buffer; expected: RegExp }[] = [
  { name: "a 10 MB file", file: "clusters/big.yaml", content: HEADER + "# " + "x".repeat(10 * 1024 * 1024) + "\n", expected: /^clusters\/big\.yaml:1:1: error source-too-large / },
  { name: "bytes that are not UTF-8", file: "clusters/bytes.yaml", content: Buffer.concat([Buffer.from(HEADER + "metadata: { name: "), Buffer.from([0xff, 0xfe]), Buffer.from(" }\n")]), expected: /^clusters\/bytes\.yaml:1:1: error source-encoding / },
  { name: "20,000 levels of nesting", file: "clusters/deep.yaml", content: HEADER + "metadata: { name: deep }\nspec: " + "[".repeat(20000) + "]".repeat(20000) + "\n", expected: /^clusters\/deep\.yaml:4:\d+: error yaml-syntax nests too deeply to read/ },
  { name: "a number too big for any replica count", file: "clusters/huge.yaml", content: HEADER + "metadata: { name: huge }\n" + REST.replace("pd: {", "pd: { replicas: 1e308,"), expected: /^clusters\/huge\.yaml:6:9: error schema-value spec\.pd\.replicas: must be at most/ },
  { name: "a unicode name", file: "clusters/unicode.yaml", content: HEADER + "metadata: { name: \"ördnеrs\" }\n" + REST, expected: /^clusters\/unicode\.yaml:3:13: error schema-name / },
  { name: "a name with ..", file: "clusters/dots.yaml", content: HEADER + "metadata: { name: \"..\" }\n" + REST, expected: /^clusters\/dots\.yaml:3:13: error schema-name / },
  { name: "a path-like namespace", file: "clusters/ns.yaml", content: HEADER + "metadata: { name: ok, namespace: ../../etc }\n" + REST, expected: /^clusters\/ns\.yaml:3:\d+: error schema-name metadata\.namespace/ },
  { name: "duplicate keys", file: "clusters/dup.yaml", content: HEADER + "metadata: { name: dup }\n" + REST + "  version: v6.1.0\n", expected: /^clusters\/dup\.yaml:9:3: error yaml-duplicate-key / },
  { name: "a billion laughs", file: "clusters/laughs.yaml", content: "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", expected: /^clusters\/laughs\.yaml:1:1: error yaml-alias-limit / },
  { name: "a scalar document", file: "clusters/scalar.yaml", content: "just text\n", expected: /^clusters\/scalar\.yaml:1:1: error schema-kind / },
  { name: "a tab-indented document", file: "clusters/tabs.yaml", content: HEADER + "metadata:\n\tname: tabs\n", expected: /^clusters\/tabs\.yaml:4:1: error yaml-syntax / },
];

const BEFORE = { "rendered/prod/keep/kustomization.yaml": "resources: []\n" };

describe("hostile input", () => {
  for (const { name, file, content, expected } of CASES) {
    it(`${name}: a located error, exit 1, rendered/ byte-identical`, { timeout: 30_000 }, async () => {
      const project = await tempProject(BEFORE);
      await mkdir(path.dirname(path.join(project.root, file)), { recursive: true });
      await writeFile(path.join(project.root, file), content);
      const { code, stderr } = await runCli(["render"], project.root);
      const tree = await readTree(path.join(project.root, "rendered"));
      await project.cleanup();
      assert.equal(code, 1);
      assert.match(stderr.split("\n")[0]!, expected);
      assert.deepEqual(Object.fromEntries([...tree].map(([f, t]) => [`rendered/${f}`, t])), BEFORE);
    });
  }

  it("a symlink that leads out of clusters/ is refused, one that stays inside is read", async () => {
    // GIVEN one link to a spec outside clusters/ and one to a spec in a hidden folder of clusters/
    const project = await tempProject({
      "outside/escape.yaml": HEADER + "metadata: { name: escape }\n" + REST,
      "clusters/.shared/inside.yaml": HEADER + "metadata: { name: inside }\n" + REST,
    });
    await symlink(path.join(project.root, "outside/escape.yaml"), path.join(project.root, "clusters/escape.yaml"));
    await symlink(path.join(project.root, "clusters/.shared/inside.yaml"), path.join(project.root, "clusters/inside.yaml"));
    // WHEN the fleet is linted
    const { code, stdout } = await runCli(["lint"], project.root);
    await project.cleanup();
    // THEN only the escaping link is an error
    assert.equal(code, 1);
    assert.deepEqual(stdout.trim().split("\n").map((l) => l.split(" ").slice(0, 3).join(" ")), ["clusters/escape.yaml:1:1: error source-symlink"]);
  });
});

describe("files a spec names", () => {
  it("a schema file that is a link out of clusters/ is refused, and nothing of its target is printed", async () => {
    // GIVEN a VitessCluster whose schema file is a link to a file outside the project's clusters/
    const project = await tempProject({
      "outside/secret.sql": "CREATE USER app IDENTIFIED BY 'not-for-your-eyes';\n",
      "clusters/vt.yaml": "apiVersion: clusterc/v1\nkind: VitessCluster\nmetadata: { name: vt }\nspec:\n  version: v19.0.4\n  cells: [zone1]\n"
        + "  keyspaces:\n    - name: commerce\n      tablets: { replica: 2, storage: { size: 2Gi } }\n      schema: { file: commerce.sql }\n",
    });
    await symlink(path.join(project.root, "outside/secret.sql"), path.join(project.root, "clusters/commerce.sql"));
    // WHEN the fleet is rendered
    const { code, stdout, stderr } = await runCli(["render"], project.root);
    const rendered = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    // THEN the link is an error, the target's text never shows, and nothing is written
    assert.equal(code, 1);
    assert.match(stdout + stderr, /clusters\/commerce\.sql:1:1: error source-symlink/);
    assert.ok(!(stdout + stderr).includes("not-for-your-eyes"));
    assert.equal(rendered.size, 0);
  });
});
