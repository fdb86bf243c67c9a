import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import fg from "fast-glob";
import { REPO_ROOT } from "../helpers.js";

/** Each runbook, and the sections diagnostics, the README and the start scripts point users at. */
const RUNBOOKS = [
  {
    engine: "TiDB", file: "docs/tidb-runbook.md", sections: [
      "replace-a-lost-pd-member", "replace-a-lost-tikv-store", "scale-pd-down", "scale-tikv-down",
      "rotate-the-root-password", "what-happens-on-upgrade",
    ],
  },
  {
    engine: "MySQL", file: "docs/mysql-runbook.md", sections: [
      "check-replication", "rebuild-a-replica", "scale-up", "scale-down", "promote-a-replica",
      "rotate-the-replication-password", "rotate-the-root-password", "upgrade",
    ],
  },
  {
    engine: "Vitess", file: "docs/vitess-runbook.md", sections: [
      "create-the-vtgate-users-secret", "rotate-vtgate-passwords", "replace-a-lost-etcd-member", "a-primary-is-lost",
      "lost-tablet-data", "scale-tablets", "change-a-schema-or-vschema", "move-tables-into-a-new-keyspace", "what-happens-on-upgrade",
    ],
  },
  {
    engine: "AntDB", file: "docs/antdb-runbook.md", sections: [
      "init-all-failed", "a-node-does-not-start", "the-manager-does-not-start", "add-a-datanode-pair", "remove-a-coordinator",
      "datanodes-do-not-scale-down", "set-a-superuser-password",
    ],
  },
];

async function anchors(file: string): Promise<Set<string>> {
  const text = await readFile(path.join(REPO_ROOT, file), "utf8");
  return new Set([...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!));
}

for (const runbook of RUNBOOKS) {
  describe(`the ${runbook.engine} runbook`, () => {
    it("keeps a stable anchor for every procedure others link to", async () => {
      const ids = await anchors(runbook.file);
      for (const section of runbook.sections) assert.ok(ids.has(section), `${runbook.file}#${section}`);
    });

    it("every link into it, from the README, the docs and the compiler's messages, lands on an anchor", async () => {
      // GIVEN every file that may send a user to the runbook
      const files = await fg(["README.md", "docs/**/*.md", "compiler/**/*.ts"], { cwd: REPO_ROOT });
      const ids = await anchors(runbook.file);
      const name = path.posix.basename(runbook.file).replace(".", "\\.");
      const links: string[] = [];
      for (const file of files) {
        const text = await readFile(path.join(REPO_ROOT, file), "utf8");
        for (const m of text.matchAll(new RegExp(`${name}#([\\w-]+)`, "g"))) links.push(`${file} -> #${m[1]}`);
      }
      // THEN there are such links, and each names an anchor the runbook has
      assert.ok(links.some((l) => l.startsWith("compiler/")), "a message of the compiler or a start script links to the runbook");
      assert.deepEqual(links.filter((l) => !ids.has(l.slice(l.indexOf("#") + 1))), []);
    });
  });
}
