import path from "node:path";
import type { FileReference } from "../source/referenced-files.js";
import type { FieldFile } from "./common.js";
import type { AnyDocument, ValidDocument } from "./index.js";
import { vitessFileReferences } from "./vitess.js";

/** The fields of each kind that may name a file next to the spec. */
const FIELD_FILES: Partial<Record<AnyDocument["kind"], (document: never) => FieldFile[]>> = {
  VitessCluster: vitessFileReferences,
};

/** Every file the documents name, in document order. */
export function fileReferences(documents: readonly ValidDocument[]): FileReference[] {
  return documents.flatMap(referencesOf);
}

function referencesOf({ document, source }: ValidDocument): FileReference[] {
  const fields = FIELD_FILES[document.kind]?.(document as never) ?? [];
  return fields.map((field) => ({
    origin: { file: source.file, doc: source.index, path: [...field.path, "file"] },
    file: path.posix.join(path.posix.dirname(source.file), field.file.replaceAll("\\", "/")),
    content: field.content,
  }));
}

/**
 * The documents with each named file's content (by project path, as source/ read it) in place of
 * the `{ file }` that named it, so engines see one form; the documents given are left as they are.
 */
export function withFileContents(documents: readonly ValidDocument[], contents: ReadonlyMap<string, unknown>): ValidDocument[] {
  return documents.map((valid) => {
    const refs = referencesOf(valid);
    if (refs.length === 0) return valid;
    const document = refs.reduce((value, ref) => replaced(value, ref.origin.path.slice(0, -1), contents.get(ref.file)), valid.document as unknown);
    return { ...valid, document: document as AnyDocument };
  });
}

/** `value` with the node at `at` replaced by `content`, copying only the maps and lists on the way. */
function replaced(value: unknown, at: readonly (string | number)[], content: unknown): unknown {
  if (at.length === 0) return content;
  const [head, ...rest] = at;
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replaced(item, rest, content) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [head!]: replaced(record[head!], rest, content) };
}
