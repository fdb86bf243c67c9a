import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { compile } from "../../compiler/compile.js";
import { EXAMPLE_FLEET, MINIMAL_TIDB_SPEC, runCli, tempProject, tidbSpec, type RenderedObject } from "../helpers.js";

const FLOOR = `apiVersion: clusterc/v1
kind: Policy
metadata: { name: floor }
spec:
  rules:
    resources: { min: { cpu: 200m } }
`;

/** The floor, and the defaults that lift every container of the example fleet onto it: no exception anywhere. */
const FLOOR_MET = `${FLOOR}  defaults:
    TiDBCluster: { helpers: { requests: { cpu: 200m } } }
    MySQLCluster: { helpers: { requests: { cpu: 200m } }, xtrabackup: { requests: { cpu: 200m } }, init-config: { requests: { cpu: 200m } } }
    VitessCluster: { helpers: { requests: { cpu: 200m } }, vtctld: { requests: { cpu: 200m } } }
    AntDBCluster: { helpers: { requests: { cpu: 200m } } }
`;

/** A throw-away copy of the example fleet (every engine) with one more policy file. */
async function exampleFleetWith(policy: string) {
  const project = await tempProject({});
  for (const dir of ["clusters", "policies"]) await cp(path.join(EXAMPLE_FLEET, dir), path.join(project.root, dir), { recursive: true });
  await writeFile(path.join(project.root, "policies/01-floor.yaml"), policy);
  return project;
}

/** Every container of every pod the run rendered, with the object it belongs to. */
function containers(files: ReadonlyMap<string, string>) {
  return [...files.values()].flatMap((text) => {
    const object = parse(text) as RenderedObject;
    const pod = object?.spec?.template?.spec;
    if (!pod) return [];
    return [...pod.initContainers ?? [], ...pod.containers].map((c: { name: string; resources: { requests: { cpu: string } } }) => ({ object: `${object.kind} ${object.metadata.name}`, ...c }));
  });
}

describe("containers no engine sizes (init containers, sidecars, hook Jobs)", () => {
  it("a baseline floor of 200m CPU fails the helper containers of every engine, and policy defaults for `helpers` lift them onto it without an exception", async () => {
    // GIVEN the example fleet (TiDB, MySQL, Vitess, AntDB) under a policy whose floor is above the helpers' built-in 100m
    const failing = await exampleFleetWith(FLOOR);
    const before = await compile(failing.root);
    await failing.cleanup();
    // THEN the init Jobs, hook Jobs and init containers of the engines break it
    const broken = before.diagnostics.filter((d) => d.ruleId === "resource-bounds").map((d) => /container (\S+):/.exec(d.message)![1]);
    for (const helper of ["set-root-password", "own-data", "register", "elect", "init-vt-root"]) assert.ok(broken.includes(helper), helper);
    // WHEN the policy also sets the helpers' CPU request, per cluster kind, as it sets any component's
    const passing = await exampleFleetWith(FLOOR_MET);
    const after = await compile(passing.root);
    await passing.cleanup();
    // THEN nothing breaks the floor, nothing is suppressed, and every container is rendered at 200m or more
    assert.deepEqual(after.diagnostics.filter((d) => d.ruleId === "resource-bounds" || d.severity === "error"), []);
    const rendered = containers(after.files);
    assert.ok(rendered.length > 0);
    assert.deepEqual(rendered.filter((c) => c.resources.requests.cpu === "100m").map((c) => `${c.object} ${c.name}`), []);
  });

  it("spec.helpers.resources overrides the policy's helpers defaults for one cluster", async () => {
    // GIVEN a policy that sizes helpers at 200m, and a cluster whose spec asks 300m for its helpers
    const project = await tempProject({
      "policies/floor.yaml": `${FLOOR}  defaults: { TiDBCluster: { helpers: { requests: { cpu: 200m } } } }\n`,
      "clusters/orders.yaml": tidbSpec("orders", `${MINIMAL_TIDB_SPEC}  helpers: { resources: { requests: { cpu: 300m }, limits: { memory: 512Mi } } }\n`),
    });
    const result = await compile(project.root);
    await project.cleanup();
    // THEN the init Job's container takes the spec's values over the policy's and the built-in rest
    const job = containers(result.files).find((c) => c.name === "set-root-password")!;
    assert.deepEqual(job.resources, { requests: { cpu: "300m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
  });

  it("a resource-bounds finding points at the component's spec line and at the policy line that set the bound", async () => {
    // GIVEN one TiDB cluster whose init Job container is below a policy's floor
    const project = await tempProject({
      "policies/floor.yaml": FLOOR,
      "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC),
    });
    const lint = await runCli(["lint"], project.root);
    const json = await runCli(["lint", "--format", "json"], project.root);
    const floorLine = (await readFile(path.join(project.root, "policies/floor.yaml"), "utf8")).split("\n").findIndex((l) => l.includes("200m")) + 1;
    await project.cleanup();
    // THEN the finding is at the spec, names the knob, and a second line names the policy's min.cpu
    assert.equal(lint.code, 1);
    assert.match(lint.stdout, /^clusters\/orders\.yaml:\d+:\d+: error resource-bounds Job orders-tidb-init, container set-root-password: requests\.cpu 100m is below the minimum 200m set by policy floor \(policies\/floor\.yaml\); raise the request in the spec \(.*`spec\.helpers\.resources` for init containers, sidecars and Jobs\) or in a policy's `defaults` \(policy bound set at policies\/floor\.yaml:(\d+):(\d+)\)$/m);
    const [, line, col] = /policy bound set at policies\/floor\.yaml:(\d+):(\d+)/.exec(lint.stdout)!;
    assert.equal(Number(line), floorLine);
    assert.equal(FLOOR.split("\n")[floorLine - 1]!.slice(Number(col) - 1).startsWith("cpu: 200m"), true);
    // AND the JSON output carries it as a related location, for tools that show both
    const finding = (JSON.parse(json.stdout) as { ruleId: string; related?: unknown[] }[]).find((d) => d.ruleId === "resource-bounds")!;
    assert.deepEqual(finding.related, [{ file: "policies/floor.yaml", line: floorLine, col: Number(col), message: "policy bound set" }]);
  });
});
