import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers.js";

/** Every file under dir (relative to the repository), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
}

describe("commands given to users", () => {
  it("run the built CLI, never npx clusterc (which installs the project into npx's cache and rebuilds it)", () => {
    // GIVEN every file that tells a user or CI what to run: the README, the guides, the workflows, .ci/run, the compiler's messages
    const files = ["README.md", ".ci/run", ...filesUnder("docs"), ...filesUnder(".github/workflows"), ...filesUnder("compiler")];
    // WHEN they are searched for npx clusterc
    const offending = files.flatMap((file) => readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n")
      .flatMap((line, i) => (/npx\s+(--no-install\s+)?clusterc/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
    // THEN there is none
    assert.deepEqual(offending, []);
  });
});
