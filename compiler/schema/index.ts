import type { z } from "zod";
import type { Finding } from "../diagnostics.js";
import type { SourceDocument } from "../source/document.js";
import { API_VERSION } from "./common.js";
import { gitOpsDocument, type GitOpsDocument } from "./gitops.js";
import { hostPathPoolDocument, type HostPathPoolDocument } from "./hostpathpool.js";
import { issuesToFindings } from "./issues.js";
import { policyDocument, type PolicyDocument } from "./policy.js";
import { secretFindings } from "./secret-scan.js";
import { tidbClusterDocument, type TiDBClusterDocument } from "./tidb.js";
import { mysqlClusterDocument, type MySQLClusterDocument } from "./mysql.js";
import { vitessClusterDocument, type VitessClusterDocument } from "./vitess.js";
import { antdbClusterDocument, type AntDBClusterDocument } from "./antdb.js";

/** Every document kind clusterc reads, by `kind`. */
export const DOCUMENT_SCHEMAS = {
  TiDBCluster: tidbClusterDocument,
  MySQLCluster: mysqlClusterDocument,
  VitessCluster: vitessClusterDocument,
  AntDBCluster: antdbClusterDocument,
  HostPathPool: hostPathPoolDocument,
  GitOps: gitOpsDocument,
  Policy: policyDocument,
} as const satisfies Record<string, z.ZodType>;

export type DocumentKind = keyof typeof DOCUMENT_SCHEMAS;
export type AnyDocument = ClusterDocumentKinds | HostPathPoolDocument | GitOpsDocument | PolicyDocument;
type ClusterDocumentKinds =
  | TiDBClusterDocument
  | MySQLClusterDocument
  | VitessClusterDocument
  | AntDBClusterDocument;

/** A document that passed its schema, with the place it came from. */
export interface ValidDocument<D extends AnyDocument = AnyDocument> {
  document: D;
  source: SourceDocument;
}

/**
 * Validates every parsed document against the schema of its kind; collects all issues. A document
 * the cache already knows as checked is taken as it is. `clean` lists the documents checked now
 * that passed without any finding, for the cache.
 */
export function validateDocuments(sources: readonly SourceDocument[]): { documents: ValidDocument[]; clean: ValidDocument[]; findings: Finding[] } {
  const documents: ValidDocument[] = [];
  const clean: ValidDocument[] = [];
  const findings: Finding[] = [];
  for (const source of sources) {
    if (source.checked !== undefined) {
      documents.push({ document: source.checked as AnyDocument, source });
      continue;
    }
    if (source.value === undefined) continue; // unreadable: already reported by source/
    const at = { file: source.file, doc: source.index };
    const header = readHeader(source.value);
    if ("wrongField" in header) {
      findings.push({ origin: { ...at, path: [header.wrongField] }, severity: "error", ruleId: "schema-kind", message: headerMessage(header.wrongField, source.value) });
      continue;
    }
    const secrets = secretFindings(source.value, at);
    findings.push(...secrets);
    const result = DOCUMENT_SCHEMAS[header.kind].safeParse(source.value);
    if (result.success) {
      const valid = { document: result.data as AnyDocument, source };
      documents.push(valid);
      if (secrets.length === 0) clean.push(valid);
    } else {
      findings.push(...issuesToFindings(result.error.issues, source.value, at));
    }
  }
  return { documents, clean, findings };
}

/** The document's kind, or the header field that is wrong. */
function readHeader(value: unknown): { kind: DocumentKind } | { wrongField: "apiVersion" | "kind" } {
  const record = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (record.apiVersion !== API_VERSION) return { wrongField: "apiVersion" };
  const kind = record.kind;
  return typeof kind === "string" && Object.hasOwn(DOCUMENT_SCHEMAS, kind) ? { kind: kind as DocumentKind } : { wrongField: "kind" };
}

function headerMessage(field: "apiVersion" | "kind", value: unknown): string {
  const known = Object.keys(DOCUMENT_SCHEMAS).join(", ");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `a document must be a map with apiVersion: ${API_VERSION}, kind (one of ${known}), metadata and spec`;
  }
  return field === "apiVersion"
    ? `apiVersion must be ${API_VERSION}`
    : `kind must be one of ${known}`;
}
