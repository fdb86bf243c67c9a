import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers.js";

interface Lockfile { packages: Record<string, { hasInstallScript?: boolean }> }
interface Manifest { allowScripts?: Record<string, boolean> }

describe("npm ci on a fresh clone", () => {
  it("decides on every dependency's install script, so the quick start prints no install-scripts warning", async () => {
    // GIVEN the lockfile npm ci installs from, and package.json's allowScripts (npm 11 blocks and warns about any script it does not cover)
    const lock = JSON.parse(await readFile(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as Lockfile;
    const { allowScripts = {} } = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as Manifest;
    // WHEN the packages with install scripts are listed by name
    const withScripts = Object.entries(lock.packages)
      .filter(([location, entry]) => location !== "" && entry.hasInstallScript)
      .map(([location]) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
    // THEN each one has an entry, approved or denied
    assert.ok(withScripts.length > 0, "the lockfile lists no install script: this test would prove nothing");
    assert.deepEqual(withScripts.filter((name) => !Object.hasOwn(allowScripts, name)), []);
  });
});
