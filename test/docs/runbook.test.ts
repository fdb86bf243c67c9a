import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import fg from "fast-glob";
import { REPO_ROOT } from "../helpers.js";

const RUNBOOK = "docs/tidb-runbook.md";

/** The sections diagnostics, the README and the init Job point users at. */
const SECTIONS = [
  "replace-a-lost-pd-member", "replace-a-lost-tikv-store", "scale-pd-down", "scale-tikv-down",
  "rotate-the-root-password", "what-happens-on-upgrade",
];

async function anchors(): Promise<Set<string>> {
  const text = await readFile(path.join(REPO_ROOT, RUNBOOK), "utf8");
  return new Set([...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!));
}

describe("the TiDB runbook", () => {
  it("keeps a stable anchor for every procedure others link to", async () => {
    const ids = await anchors();
    for (const section of SECTIONS) assert.ok(ids.has(section), `${RUNBOOK}#${section}`);
  });

  it("every link into it, from the README, the docs and the compiler's messages, lands on an anchor", async () => {
    // GIVEN every file that may send a user to the runbook
    const files = await fg(["README.md", "docs/**/*.md", "compiler/**/*.ts"], { cwd: REPO_ROOT });
    const ids = await anchors();
    const links: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(REPO_ROOT, file), "utf8");
      for (const m of text.matchAll(/tidb-runbook\.md#([\w-]+)/g)) links.push(`${file} -> #${m[1]}`);
    }
    // THEN there are such links, and each names an anchor the runbook has
    assert.ok(links.some((l) => l.startsWith("compiler/")), "the init Job's message links to the runbook");
    assert.deepEqual(links.filter((l) => !ids.has(l.slice(l.indexOf("#") + 1))), []);
  });
});
