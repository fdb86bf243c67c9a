import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run, terminalProgress } from "../../compiler/cli.js";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, tidbSpec } from "../helpers.js";

describe("progress while a render runs", () => {
  for (const { stream, env, shown } of [
    { stream: "a terminal", env: {}, shown: true },
    { stream: "a terminal", env: { CI: "true" }, shown: false },
    { stream: "a pipe", env: {}, shown: false },
  ]) {
    it(`is ${shown ? "" : "not "}shown on ${stream}${env.CI ? " in CI" : ""}`, () => {
      // GIVEN stderr as ${stream} and the environment of the run
      let written = "";
      const progress = terminalProgress({ isTTY: stream === "a terminal", write: (text: string) => { written += text; } }, env);
      // WHEN a line of progress is shown, then cleared
      progress?.("compiled 1/2 clusters");
      progress?.("");
      // THEN on a terminal it overwrites one line in place and clears it; elsewhere there is no progress at all
      assert.equal(progress !== undefined, shown);
      assert.equal(written, shown ? "\rcompiled 1/2 clusters\x1b[K\r\x1b[K" : "");
    });
  }

  it("counts the compiled clusters up to all of them, then clears the line before anything else is printed", async () => {
    // GIVEN three clusters, and a terminal that records every progress line
    const project = await tempProject(Object.fromEntries(["a", "b", "c"].map((n) => [`clusters/${n}.yaml`, tidbSpec(n, MINIMAL_TIDB_SPEC)])));
    const events: string[] = [];
    const code = await run(["render"], { out: (t) => events.push(`out:${t}`), err: (t) => events.push(`err:${t}`), cwd: project.root, progress: (line) => events.push(`progress:${line}`) });
    // AND the same render without a terminal
    const quiet = await runCli(["render", "--only", "a"], project.root);
    await project.cleanup();
    // THEN the last count is 3/3, the line is cleared, and only then is the summary printed
    assert.equal(code, 0);
    const progress = events.filter((e) => e.startsWith("progress:"));
    assert.match(progress[0]!, /^progress:compiled [1-3]\/3 clusters$/);
    assert.deepEqual(progress.slice(-2), ["progress:compiled 3/3 clusters", "progress:"]);
    assert.ok(events.indexOf("progress:") < events.findIndex((e) => e.startsWith("err:rendered/")));
    // AND without a terminal nothing but the summary reaches stderr
    assert.doesNotMatch(quiet.stderr, /compiled|\r/);
  });
});
