import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffMarkdown, MARKDOWN_LIMIT } from "../../compiler/diff/markdown.js";
import type { DiffReport, SectionDiff } from "../../compiler/diff/report.js";

/** A report of `clusters` changed clusters, each with `fields` field changes and a patch of `patchLines` lines. */
function report(clusters: number, fields: number, patchLines: number): DiffReport {
  const section = (i: number): SectionDiff => ({
    cluster: `c${i}`, dir: `prod/c${i}`, change: "changed", counts: { added: 0, removed: 0, changed: 1 },
    objects: [{ id: `StatefulSet/prod/c${i}-pd`, kind: "StatefulSet", namespace: "prod", name: `c${i}-pd`, file: `prod/c${i}/0-pd/statefulset.yaml`, change: "changed",
      fields: Array.from({ length: fields }, (_, f) => ({ path: `spec.template.metadata.annotations.field${f}`, before: "old-value", after: "new-value" })) }],
    files: [{ file: `prod/c${i}/0-pd/statefulset.yaml`, change: "changed", patch: `--- a/rendered/prod/c${i}/0-pd/statefulset.yaml\n` + "-  old line of the manifest\n+  new line of the manifest\n".repeat(patchLines) }],
    warnings: [],
  });
  return { base: { ref: "origin/main", commit: "0123456789abcdef" }, clusters: Array.from({ length: clusters }, (_, i) => section(i)) };
}

describe("the markdown diff as one pull-request comment", () => {
  const cases = [
    { name: "a small change whole", report: report(2, 2, 10), has: ["```diff", "`spec.template.metadata.annotations.field1: old-value -> new-value`"], cut: undefined },
    { name: "a large patch: unified diffs cut, field changes kept", report: report(10, 3, 2_000), has: ["field2: old-value"], cut: "unified diffs are cut" },
    { name: "many fields too: field changes cut, objects kept", report: report(20, 400, 100), has: ["- ~ changed `StatefulSet prod/c19-pd`"], cut: "unified diffs, field changes are cut" },
    { name: "many clusters: counts only", report: report(600, 1, 1), has: ["### `c599` `rendered/prod/c599/`"], cut: "unified diffs, field changes, object lists are cut" },
    { name: "more clusters than lines fit: as many as fit, and how many more", report: report(5_000, 1, 1), has: ["- `c0` `rendered/prod/c0/`: changed:", "more; run `clusterc diff --base origin/main` to see them"], cut: "object lists are cut" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // GIVEN a report WHEN it is written as a comment
      const text = diffMarkdown(c.report);
      // THEN it starts with the sticky marker, fits the limit, holds what its level keeps and says what it cut
      assert.ok(text.startsWith("<!-- clusterc-diff -->\n"));
      assert.ok(text.length < MARKDOWN_LIMIT, `${text.length} characters`);
      for (const part of c.has) assert.ok(text.includes(part), `missing ${part}`);
      if (c.cut === undefined) assert.doesNotMatch(text, /summarised/);
      else assert.ok(text.includes(c.cut) && text.includes("Run `clusterc diff --base origin/main` locally to see all"), text.slice(0, 400));
    });
  }

  it("keeps the planner's warnings when it cuts everything else", () => {
    // GIVEN a report too large for anything but counts, whose first cluster has a planned warning
    const large = report(600, 1, 1);
    large.clusters[0]!.warnings = [{ file: "clusters/prod/c0.yaml", line: 9, col: 15, severity: "warning", ruleId: "scale-down", message: "TiKV goes from 3 to 2: first run pd-ctl store delete" }];
    // WHEN it is written as a comment
    const text = diffMarkdown(large);
    // THEN the summary still carries the warning, with its rule and spec line
    assert.ok(text.includes("summarised"));
    assert.ok(text.includes("`scale-down` at `clusters/prod/c0.yaml:9:15`: TiKV goes from 3 to 2: first run pd-ctl store delete"), text.slice(0, 600));
  });
});
