import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { compileProject, runCli, tempProject } from "../helpers.js";
import { gitOpsDoc, REPO_URL, TWO_CLUSTERS } from "./fixtures.js";

const GITOPS = gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: {}\n  flux: {}\n`);

describe("GitOps document errors", () => {
  it("a second GitOps document is an error at FILE:LINE:COL, and render leaves rendered/ untouched", async () => {
    // GIVEN a rendered project with one GitOps document
    const project = await tempProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": GITOPS });
    try {
      assert.equal((await runCli(["render"], project.root)).code, 0);
      const before = await readTree(path.join(project.root, "rendered"));
      // WHEN a second one appears, as the second document of another file
      const twoDocuments = `${TWO_CLUSTERS["clusters/staging/reports.yaml"]}---\n${gitOpsDoc("team", "  flux: {}\n")}`;
      await writeFile(path.join(project.root, "clusters/staging/reports.yaml"), twoDocuments);
      const { code, stderr } = await runCli(["render"], project.root);
      // THEN render fails with one gitops-duplicate diagnostic at the second document's kind, naming the first
      assert.equal(code, 1);
      const duplicates = stderr.split("\n").filter((line) => line.includes(" gitops-duplicate "));
      assert.equal(duplicates.length, 1);
      const kindLine = twoDocuments.split("\n").indexOf("kind: GitOps") + 1;
      assert.match(duplicates[0]!, new RegExp(`^clusters/staging/reports\\.yaml:${kindLine}:1: error gitops-duplicate .*"databases" in clusters/gitops\\.yaml`));
      // AND rendered/ is exactly what it was
      assert.deepEqual(await readTree(path.join(project.root, "rendered")), before);
    } finally {
      await project.cleanup();
    }
  });

  const cases: { name: string; spec: string; expected: RegExp }[] = [
    { name: "argocd without repoURL", spec: "  argocd: {}\n", expected: /^clusters\/gitops\.yaml:4:1: error schema-value spec\.repoURL: is required with argocd/ },
    { name: "neither argocd nor flux", spec: `  repoURL: ${REPO_URL}\n`, expected: /^clusters\/gitops\.yaml:4:1: error schema-value spec: needs argocd, flux or both/ },
    { name: "an unknown mode", spec: `  repoURL: ${REPO_URL}\n  argocd: { mode: app }\n`, expected: /^clusters\/gitops\.yaml:6:13: error schema-value spec\.argocd\.mode: must be one of "applications", "applicationset"/ },
    { name: "a Flux interval that is no duration", spec: "  flux: { interval: 10 minutes }\n", expected: /^clusters\/gitops\.yaml:5:11: error schema-value spec\.flux\.interval: must be a Go duration/ },
    { name: "a misspelt field", spec: "  flux: { sourceref: { name: x } }\n", expected: /^clusters\/gitops\.yaml:5:11: error schema-unknown-field spec\.flux\.sourceref: unknown field/ },
  ];
  for (const { name, spec, expected } of cases) {
    it(`rejects ${name} at FILE:LINE:COL`, async () => {
      // GIVEN a GitOps document with ${name}
      const project = await tempProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": gitOpsDoc("databases", spec) });
      try {
        // WHEN the project is linted
        const { code, stdout } = await runCli(["lint"], project.root);
        // THEN exactly that diagnostic is reported
        assert.equal(code, 1);
        const lines = stdout.trim().split("\n");
        assert.equal(lines.length, 1, stdout);
        assert.match(lines[0]!, expected);
      } finally {
        await project.cleanup();
      }
    });
  }

  it("renders nothing at all when a GitOps document is wrong", async () => {
    // GIVEN valid clusters and a GitOps document that fails its schema
    const { files, diagnostics } = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": gitOpsDoc("databases", "  argocd: {}\n") });
    // THEN there are errors and no files, so render would write nothing
    assert.ok(diagnostics.some((d) => d.severity === "error"));
    assert.equal(files.size, 0);
  });
});
