/** One YAML document of a source file. */
export interface SourceDocument {
  file: string;
  /** Position of the document in its file, counting empty ones. */
  index: number;
  /**
   * The plain data of the document; undefined when it could not be read (its errors are reported),
   * and when the cache knows what schema/ made of it (`checked`), which is then all a run needs.
   */
  value: unknown;
  /** What schema/ made of the value, when the cache knows it passed its schema without findings. */
  checked?: unknown;
  /**
   * For a document that could not be read: its `kind` and `metadata.name` as far as the parser got,
   * so a syntax error stops only the cluster it is in.
   */
  header?: { kind?: unknown; name?: unknown };
}
