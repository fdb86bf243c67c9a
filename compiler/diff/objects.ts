import { parseAllDocuments } from "yaml";
import { readCanonicalYaml } from "../canonical-yaml.js";
import { MAX_ALIAS_COUNT } from "../source/load.js";

/** One Kubernetes object (or other YAML document) of a rendered file. */
export interface FileObject {
  /** `kind/namespace/name`, `kind/name` without a namespace; a document without a name goes by its file. */
  id: string;
  kind?: string;
  namespace?: string;
  name?: string;
  file: string;
  value: unknown;
}

/**
 * The documents of one rendered file as objects. A file YAML cannot read (a base may hold anything)
 * is one document whose value is its text, so it still shows as changed.
 */
export function objectsIn(file: string, text: string): FileObject[] {
  const objects = documentValues(text);
  if (objects === undefined) return [{ id: `(unreadable YAML) ${file}`, file, value: text }];
  return objects.map((value, i) => ({ file, value, ...identity(value, objects.length > 1 ? `${file}#${i}` : file) }));
}

/** A file as clusterc renders it (one canonical document) is read without yaml's parser, as the change planner reads it. */
function documentValues(text: string): unknown[] | undefined {
  const canonical = readCanonicalYaml(text);
  if (canonical !== undefined) return [canonical];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) return undefined;
  try {
    return documents.map((d) => d.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown).filter((value) => value !== null && value !== undefined);
  } catch {
    return undefined; // too many aliases: no rendered file has any
  }
}

function identity(value: unknown, where: string): Pick<FileObject, "id" | "kind" | "namespace" | "name"> {
  const object = (typeof value === "object" && value !== null ? value : {}) as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const kind = typeof object.kind === "string" ? object.kind : undefined;
  const name = typeof object.metadata?.name === "string" ? object.metadata.name : undefined;
  const namespace = typeof object.metadata?.namespace === "string" ? object.metadata.namespace : undefined;
  if (name === undefined) return { id: `${kind ?? "document"} ${where}`, ...(kind === undefined ? {} : { kind }) };
  return { id: [kind ?? "document", namespace, name].filter((part) => part !== undefined).join("/"), ...(kind === undefined ? {} : { kind }), name, ...(namespace === undefined ? {} : { namespace }) };
}
