import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, it } from "node:test";
import type * as Sarif from "sarif";
import { RULE_CATALOG } from "../../compiler/rule-catalog.js";
import { sarifLog } from "../../compiler/sarif.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { fixturePath, MINIMAL_TIDB_SPEC, REPO_ROOT, runCli, tempProject, tidbSpec } from "../helpers.js";

// ajv-draft-04 and ajv-formats are CommonJS whose typings declare an ES default export; require gives the real one.
const require = createRequire(import.meta.url);
const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;

/**
 * The OASIS SARIF 2.1.0 schema (errata 01), a JSON Schema draft-04 document, vendored as test data
 * from oasis-tcs/sarif-spec sarif-2.1/schema/sarif-schema-2.1.0.json (commit a560296): no
 * maintained npm package ships it. OASIS IPR policy, RF on RAND terms (the repository's LICENSE.md).
 */
async function sarifValidator() {
  const schema = JSON.parse(await readFile(fixturePath("sarif", "sarif-schema-2.1.0.json"), "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const REASON = "TiDB bursts during the nightly batch";

/**
 * A fleet with every kind of finding: two clusters asking for node port 31000 (an error at each,
 * related to the other), a limit/request ratio that TiDB's built-in resources break (an error on
 * beta related to the policy line of the bound, suppressed by an exception on alpha), and an
 * exception for a cluster that does not exist (a warning).
 */
const FLEET = {
  "policies/strict.yaml": `apiVersion: clusterc/v1
kind: Policy
metadata: { name: strict }
spec:
  rules: { resources: { maxLimitRequestRatio: 2 } }
  exceptions:
    - { rule: resource-bounds, cluster: alpha, reason: "${REASON}", expires: 2099-12-31 }
    - { rule: resource-bounds, cluster: ghost, reason: "no such cluster", expires: 2099-12-31 }
`,
  "clusters/a.yaml": tidbSpec("alpha", `${MINIMAL_TIDB_SPEC}  tidb: { replicas: 1, service: { type: NodePort, nodePorts: { mysql: 31000 } } }\n`),
  "clusters/team/b.yaml": tidbSpec("beta", `${MINIMAL_TIDB_SPEC}  tidb: { replicas: 1, service: { type: NodePort, nodePorts: { mysql: 31000 } } }\n`),
};

const where = (l: Sarif.Location | undefined) => {
  const { artifactLocation, region } = l!.physicalLocation!;
  return `${artifactLocation!.uri}:${region!.startLine}:${region!.startColumn}`;
};

describe("clusterc lint --format sarif", () => {
  it("is a valid SARIF 2.1.0 log with each finding at its spec line, related lines and suppressions", async () => {
    // GIVEN a fleet with errors, a warning, a suppressed finding and a finding at two spec lines
    const project = await tempProject(FLEET);
    // WHEN the user lints it as SARIF, and as JSON for the diagnostics themselves
    const sarif = await runCli(["lint", "--format", "sarif"], project.root);
    const json = await runCli(["lint", "--format", "json"], project.root);
    await project.cleanup();
    const log = JSON.parse(sarif.stdout) as Sarif.Log;
    const diagnostics = JSON.parse(json.stdout) as Diagnostic[];

    // THEN the log validates against the SARIF 2.1.0 schema, and the run fails on the errors
    const validate = await sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(sarif.code, 1);
    const [run] = log.runs;
    const results = run!.results!;
    const rules = run!.tool.driver.rules!;
    // AND there is one result per diagnostic, at its file, line and column, with its level and message
    const asDiagnostic = (r: Sarif.Result) => `${where(r.locations![0])} ${r.level} ${r.ruleId} ${r.message.text}`;
    assert.deepEqual(results.map(asDiagnostic), diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.ruleId} ${d.message}`));
    assert.deepEqual(new Set(results.map((r) => r.level)), new Set(["error", "warning", "note"]));
    assert.ok(results.every((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uriBaseId === "%SRCROOT%"));
    // AND each result's ruleIndex points at its rule in the driver
    assert.ok(results.every((r) => rules[r.ruleIndex!]!.id === r.ruleId));

    // AND each node-port error is at its cluster's Service line and points at the other's as a related location
    const serviceLine = (file: keyof typeof FLEET) => {
      const lines = FLEET[file].split("\n");
      const line = lines.findIndex((l) => l.includes("nodePorts"));
      return `${file}:${line + 1}:${lines[line]!.indexOf("service:") + 1}`;
    };
    const ports = results.filter((r) => r.ruleId === "node-port-conflict");
    assert.deepEqual(ports.map((r) => where(r.locations![0])), [serviceLine("clusters/a.yaml"), serviceLine("clusters/team/b.yaml")]);
    for (const [i, r] of ports.entries()) {
      assert.deepEqual(r.relatedLocations!.map(where), [where(ports[1 - i]!.locations![0])]);
      assert.match(r.relatedLocations![0]!.message!.text!, /asks for nodePort 31000 here/);
    }

    // AND the finding the exception accepted is suppressed with the exception's reason, and no other is
    const suppressed = results.filter((r) => r.suppressions);
    assert.deepEqual(suppressed.map((r) => [r.ruleId, r.locations![0]!.physicalLocation!.artifactLocation!.uri, r.suppressions]),
      suppressed.map(() => ["resource-bounds", "clusters/a.yaml", [{ kind: "external", justification: REASON }]]));
    assert.ok(suppressed.length > 0);
    const unsuppressed = results.filter((r) => r.ruleId === "resource-bounds" && r.level === "error" && !r.suppressions);
    assert.ok(unsuppressed.length > 0);
    // AND each broken bound points at the policy line that set it
    const policyLines = FLEET["policies/strict.yaml"].split("\n");
    const boundLine = policyLines.findIndex((l) => l.includes("maxLimitRequestRatio"));
    const bound = `policies/strict.yaml:${boundLine + 1}:${policyLines[boundLine]!.indexOf("maxLimitRequestRatio") + 1}`;
    for (const r of unsuppressed) assert.deepEqual(r.relatedLocations?.map(where), [bound], r.message.text);
    assert.ok(results.some((r) => r.ruleId === "policy-exception" && r.level === "warning"));
  });

  const GITOPS = (name: string) => `apiVersion: clusterc/v1
kind: GitOps
metadata: { name: ${name} }
spec:
  repoURL: https://git.example.com/platform/databases.git
  revision: main
  argocd: { namespace: argocd, project: default }
`;
  const twice: { rule: string; files: Record<string, string>; at: string; related: string }[] = [
    // a cluster name defined twice: at the second name key (line 3, column 13), related to the first
    { rule: "duplicate-name", files: { "clusters/a/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC), "clusters/b/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) },
      at: "clusters/b/orders.yaml:3:13", related: "clusters/a/orders.yaml:3:13" },
    // a second GitOps document: at its kind (line 2), related to the first one's kind
    { rule: "gitops-duplicate", files: { "clusters/gitops.yaml": GITOPS("databases"), "clusters/staging/gitops.yaml": GITOPS("staging") },
      at: "clusters/staging/gitops.yaml:2:1", related: "clusters/gitops.yaml:2:1" },
  ];
  for (const { rule, files, at, related } of twice) {
    it(`points a second definition (${rule}) at the first as a related location`, async () => {
      // GIVEN two spec files that define the same thing
      const project = await tempProject(files);
      // WHEN the user lints them as SARIF
      const { stdout } = await runCli(["lint", "--format", "sarif"], project.root);
      await project.cleanup();
      // THEN the second definition is the one error, related to the first
      const results = (JSON.parse(stdout) as Sarif.Log).runs[0]!.results!;
      assert.deepEqual(results.map((r) => [r.ruleId, where(r.locations![0]), r.relatedLocations?.map(where)]), [[rule, at, [related]]]);
    });
  }

  it("names the tool with the package's version and describes every rule it can report", async () => {
    // GIVEN a fleet without findings
    const project = await tempProject({ "clusters/a.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC) });
    // WHEN it is linted as SARIF
    const { code, stdout } = await runCli(["lint", "--format", "sarif"], project.root);
    await project.cleanup();
    // THEN the driver is clusterc at package.json's version, with every rule described and given a default level
    assert.equal(code, 0);
    const driver = (JSON.parse(stdout) as Sarif.Log).runs[0]!.tool.driver;
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(driver.name, "clusterc");
    assert.equal(driver.version, manifest.version);
    assert.deepEqual(driver.rules!.map((r) => r.id), RULE_CATALOG.map((r) => r.id));
    for (const rule of driver.rules!) {
      assert.ok(rule.shortDescription?.text && rule.fullDescription?.text && rule.help?.text, rule.id);
      assert.ok(["none", "note", "warning", "error"].includes(rule.defaultConfiguration!.level!), rule.id);
    }
    assert.deepEqual((JSON.parse(stdout) as Sarif.Log).runs[0]!.results, []);
  });

  it("links the tool and every rule to the README of a project that names its homepage", async () => {
    // GIVEN a fork whose package.json names its homepage
    const homepage = "https://github.com/example/fleet";
    // WHEN a log is written
    const log = sarifLog([], RULE_CATALOG, { version: "1.2.3", homepage });
    // THEN it stays valid, the tool links to the project and each rule to the README's rules table
    const validate = await sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const driver = log.runs[0]!.tool.driver;
    assert.equal(driver.informationUri, homepage);
    assert.deepEqual(new Set(driver.rules!.map((r) => r.helpUri)), new Set([`${homepage}#rules-and-diagnostics`]));
  });

  it("lists exactly the rule IDs of the README's table, each once", async () => {
    // GIVEN the README's "Rules and diagnostics" table, whose first column holds one or more rule IDs per row
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## Rules and diagnostics"), readme.indexOf("\n## ", readme.indexOf("## Rules and diagnostics") + 1));
    const documented = table.split("\n").filter((line) => line.startsWith("| `")).flatMap((line) => [...line.split("|")[1]!.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!));
    // WHEN compared with the rules the SARIF driver describes
    const described = RULE_CATALOG.map((r) => r.id);
    // THEN each documented ID is described and each described ID documented, none twice
    assert.deepEqual([...described].sort(), [...documented].sort());
    assert.equal(new Set(described).size, described.length);
  });
});
