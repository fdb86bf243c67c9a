import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, tidbSpec } from "../helpers.js";

const withNodePort = (name: string, port: number) =>
  tidbSpec(name, `${MINIMAL_TIDB_SPEC}  tidb: { replicas: 1, service: { type: NodePort, nodePorts: { mysql: ${port} } } }\n`);

describe("node ports across the fleet", () => {
  it("reports a node port two clusters ask for at both spec lines, on every run, and renders nothing", async () => {
    // GIVEN two clusters whose TiDB Services both ask for node port 31000, and a third with its own
    const project = await tempProject({
      "clusters/a.yaml": withNodePort("alpha", 31000),
      "clusters/team/b.yaml": withNodePort("beta", 31000),
      "clusters/c.yaml": withNodePort("gamma", 31001),
    });
    try {
      for (const run of ["first", "warm"]) {
        // WHEN the fleet is rendered (a second time with the caches of the first)
        const { code, stderr } = await runCli(["render"], project.root);
        // THEN both lines that ask for 31000 get an error naming the other, and 31001 none
        assert.equal(code, 1, run);
        const errors = stderr.split("\n").filter((l) => l.includes("error node-port-conflict"));
        assert.equal(errors.length, 2, `${run}: ${stderr}`);
        assert.match(errors[0]!, /^clusters\/a\.yaml:9:\d+: error node-port-conflict nodePort 31000 of Service alpha\/alpha-tidb is also asked for by beta\/beta-tidb \(clusters\/team\/b\.yaml\)/);
        assert.match(errors[1]!, /^clusters\/team\/b\.yaml:9:\d+: error node-port-conflict nodePort 31000 of Service beta\/beta-tidb is also asked for by alpha\/alpha-tidb \(clusters\/a\.yaml\)/);
        assert.doesNotMatch(stderr, /31001/);
        assert.match(stderr, /rendered\/ left unchanged/);
      }
    } finally {
      await project.cleanup();
    }
  });
});
