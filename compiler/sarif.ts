import type * as Sarif from "sarif";
import type { Diagnostic } from "./diagnostics.js";
import type { RuleDoc } from "./rule-catalog.js";

/** The schema's own id (oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json). */
const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/**
 * The base every artifact URI is relative to: the project root. Left unresolved in the log, so the
 * same specs give the same bytes on any machine; code scanning resolves it to the checkout.
 */
const PROJECT_ROOT = "%SRCROOT%";

/** The README section that explains every rule ID. */
const RULES_ANCHOR = "#rules-and-diagnostics";

export interface Tool {
  version: string;
  /** The project's home (package.json `homepage`); rules link to its README section when it is known. */
  homepage?: string;
}

/**
 * A SARIF 2.1.0 log of one run, for GitHub code scanning and other SARIF viewers: every rule ID the
 * tool can report with its description, fix and default level, and each finding at its spec line,
 * with the other lines it involves and, for a finding a policy exception accepted, the reason as an
 * external suppression (code scanning then shows it as suppressed, not open).
 */
export function sarifLog(diagnostics: readonly Diagnostic[], catalog: readonly RuleDoc[], tool: Tool): Sarif.Log {
  const index = new Map(catalog.map((rule, i) => [rule.id, i]));
  const helpUri = tool.homepage && `${tool.homepage}${RULES_ANCHOR}`;
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "clusterc",
          version: tool.version,
          ...(tool.homepage && { informationUri: tool.homepage }),
          rules: catalog.map((rule) => driverRule(rule, helpUri)),
        },
      },
      // yaml's LineCounter counts columns in JavaScript string units
      columnKind: "utf16CodeUnits",
      results: diagnostics.map((d) => result(d, index.get(d.ruleId))),
    }],
  };
}

function driverRule(rule: RuleDoc, helpUri: string | undefined): Sarif.ReportingDescriptor {
  const help = rule.fix ? `${rule.description}. To fix: ${rule.fix}.` : `${rule.description}. It changes the rendered objects and reports nothing.`;
  return {
    id: rule.id,
    shortDescription: { text: rule.description },
    // code scanning shows both descriptions at the top of an alert, and the help below it
    fullDescription: { text: rule.description },
    help: { text: help },
    ...(helpUri && { helpUri }),
    defaultConfiguration: { level: rule.level },
  };
}

function result(d: Diagnostic, ruleIndex: number | undefined): Sarif.Result {
  return {
    ruleId: d.ruleId,
    ...(ruleIndex !== undefined && { ruleIndex }),
    level: d.severity,
    message: { text: d.message },
    locations: [{ physicalLocation: physicalLocation(d) }],
    ...(d.related && {
      relatedLocations: d.related.map((r, id) => ({ id, physicalLocation: physicalLocation(r), message: { text: r.message } })),
    }),
    ...(d.suppression && {
      suppressions: [{ kind: "external", justification: d.suppression.reason }],
    }),
  };
}

function physicalLocation(at: { file: string; line: number; col: number }): Sarif.PhysicalLocation {
  return {
    artifactLocation: { uri: encodeURI(at.file), uriBaseId: PROJECT_ROOT },
    region: { startLine: at.line, startColumn: at.col },
  };
}
