import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fg from "fast-glob";
import { REPO_ROOT } from "../helpers.js";

describe("commands given to users", () => {
  it("run the built CLI, never npx clusterc (which installs the project into npx's cache and rebuilds it)", () => {
    // GIVEN every file that tells a user or CI what to run: the README, the guides, the workflows, .ci/run, the compiler's messages
    const files = fg.sync(["README.md", ".ci/run", "docs/**", ".github/workflows/**", "compiler/**"], { cwd: REPO_ROOT, dot: true });
    assert.ok(files.includes(".ci/run") && files.includes("compiler/cli.ts") && files.includes(".github/workflows/render-check.yml"), files.join(", "));
    // WHEN they are searched for npx clusterc
    const offending = files.flatMap((file) => readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n")
      .flatMap((line, i) => (/npx\s+(--no-install\s+)?clusterc/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
    // THEN there is none
    assert.deepEqual(offending, []);
  });
});
