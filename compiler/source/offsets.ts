import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";

/** Where the node at a path of a document starts, by document index: 0 for a document that is not there. */
export type Offsets = (doc: number, path: readonly (string | number)[]) => number;

/** `offsetOf` over the documents yaml parsed of one file. */
export function documentOffsets(documents: readonly Document.Parsed[]): Offsets {
  return (doc, path) => {
    const document = documents[doc];
    return document ? offsetOf(document, path) : 0;
  };
}

/**
 * Resolves the character offset of the node at `path`. When the path runs past what the document
 * holds (a missing field), it stops at the deepest node that exists, so the user lands on the
 * object that lacks the field. A map entry is located at its key, where a reader looks for it.
 */
function offsetOf(document: Document.Parsed, path: readonly (string | number)[]): number {
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    node = resolveAlias(document, node);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function resolveAlias(document: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
