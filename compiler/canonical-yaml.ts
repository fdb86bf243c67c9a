const FIRST_KEYS = {
  top: ["apiVersion", "kind", "metadata"],
  metadata: ["name", "namespace", "labels", "annotations"],
} as const;

type Level = keyof typeof FIRST_KEYS;

/**
 * Canonical YAML of one object: apiVersion, kind, metadata first (name, namespace, labels,
 * annotations), every other map in sorted key order, null and undefined map values left out. Block
 * style with 2-space indentation, lists indented under their key, multi-line strings as literal
 * blocks. Every string a YAML 1.1 reader (Go's yaml, behind kubectl, Argo CD and Flux) or a YAML 1.2
 * reader would take for anything but that string is quoted. Same object, same bytes.
 *
 * A hand-written emitter for this JSON-shaped data, not a YAML library: it is several times faster,
 * and the output of a whole fleet goes through it on every render and check.
 */
export function toCanonicalYaml(object: object): string {
  if (Array.isArray(object)) return sequence(object, "") || "[]\n";
  return mapping(object, "", "top") || "{}\n";
}

/** The entries of a map at `indent`, the first one without its indentation (the caller places it); "" when empty. */
function mapping(map: object, indent: string, level?: Level): string {
  const values = map as Record<string, unknown>;
  let text = "";
  for (const key of orderedKeys(values, level)) {
    text += (text && indent) + mappingKey(key, indent) + ":" + node(values[key], indent, false, level === "top" && key === "metadata" ? "metadata" : undefined);
  }
  return text;
}

/** The items of a list at `indent`, the first one without its indentation; "" when empty. */
function sequence(items: readonly unknown[], indent: string): string {
  let text = "";
  for (const item of items) text += (text && indent) + "-" + node(item, indent, true);
  return text;
}

function orderedKeys(values: Record<string, unknown>, level?: Level): string[] {
  const keys = Object.keys(values).filter((key) => values[key] !== undefined && values[key] !== null).sort();
  if (!level) return keys;
  const first: readonly string[] = FIRST_KEYS[level];
  return [...first.filter((key) => keys.includes(key)), ...keys.filter((key) => !first.includes(key))];
}

/**
 * What follows `key:` or `-` written at `indent`, through the end of its last line. A nested map or
 * list starts on the next line under a key, on the same line after a dash.
 */
function node(value: unknown, indent: string, afterDash: boolean, level?: Level): string {
  switch (typeof value) {
    case "string": return stringNode(value, indent);
    case "number": return " " + numberText(value) + "\n";
    case "boolean": return value ? " true\n" : " false\n";
    case "object": {
      if (value === null) break;
      const inner = indent + "  ";
      const list = Array.isArray(value);
      const body = list ? sequence(value, inner) : mapping(value, inner, level);
      if (!body) return list ? " []\n" : " {}\n";
      return (afterDash ? " " : "\n" + inner) + body;
    }
  }
  throw new TypeError(`cannot write ${String(value)} (${typeof value}) as YAML: only strings, finite numbers, booleans, maps and lists`);
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML: only finite numbers`);
  const text = String(value);
  // YAML 1.1 reads an exponent as a float only after a decimal point: 1e+21 alone would be a string.
  return /^-?[0-9]+e/.test(text) ? text.replace("e", ".0e") : text;
}

/** YAML readers give up on implicit keys longer than 1024 characters; longer ones need `? key`. */
const MAX_IMPLICIT_KEY = 1000;

function mappingKey(key: string, indent: string): string {
  const text = isPlain(key) ? key : doubleQuoted(key);
  return text.length > MAX_IMPLICIT_KEY ? "? " + text + "\n" + indent : text;
}

function stringNode(value: string, indent: string): string {
  if (isPlain(value)) return " " + value + "\n";
  if (value.includes("\n") && fitsLiteralBlock(value)) return literalBlock(value, indent + "  ");
  return " " + doubleQuoted(value) + "\n";
}

/** Characters that YAML cannot hold unescaped (controls, non-characters, lone surrogates) or that YAML 1.1 takes for line breaks. */
const UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/u;

/** Indicators, document markers, edge white space, `: ` and ` #`, tabs and line breaks: plain would misread them. */
const PLAIN_SYNTAX = /^[\s,[\]{}#&*!|>'"%@`?:]|^-(?:\s|$)|^---|^\.\.\.|\s$|:(?:\s|$)|\s#|[\t\n]/;

/** Scalars that resolve to null, booleans, YAML 1.1 value/merge keys, in any case (YAML 1.1 and 1.2). */
const RESERVED_WORD = /^(?:|~|=|<<|null|y|yes|n|no|true|false|on|off)$/i;

/**
 * Numbers in any notation of YAML 1.1, YAML 1.2 and Go's strconv (which Go's yaml falls back on):
 * decimal with underscores, exponents, leading dots, binary, octal with and without 0o, hex,
 * sexagesimal, infinities and NaN, with or without a sign. Deliberately wider than any one reader:
 * the `yaml` package's YAML 1.1 schema even reads `e1` and `._` as floats.
 */
const NUMBER = /^[-+]?(?:[0-9_]*\.?[0-9_]*(?:e[-+]?[0-9_]+)?|0b[01_]+|0o[0-7_]+|0x[0-9a-f_]+|[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?|\.?inf(?:inity)?|\.?nan)$/i;

/** YAML 1.1 dates and timestamps: 2027-01-31, 2027-1-31T10:00:00Z, 2027-01-31 10:00:00. */
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt\s])/;

/**
 * Strings up to this long are judged once and remembered: keys, labels, names and images recur
 * thousands of times in a fleet. The memory is emptied at REMEMBERED_COUNT strings, so a fleet's
 * one-off names never pile up; the recurring ones are back after a few objects.
 */
const REMEMBERED_LENGTH = 64;
const REMEMBERED_COUNT = 10_000;
const plainness = new Map<string, boolean>();

function isPlain(value: string): boolean {
  if (value.length > REMEMBERED_LENGTH) return judgedPlain(value);
  let plain = plainness.get(value);
  if (plain === undefined) {
    if (plainness.size === REMEMBERED_COUNT) plainness.clear();
    plainness.set(value, (plain = judgedPlain(value)));
  }
  return plain;
}

function judgedPlain(value: string): boolean {
  return !PLAIN_SYNTAX.test(value) && !RESERVED_WORD.test(value) && !NUMBER.test(value) && !TIMESTAMP.test(value) && !UNPRINTABLE.test(value);
}

/**
 * A literal block cannot hold only white space or end in a line of only white space (readers trim
 * those), nor start with a tab, which Go's yaml rejects as indentation even after an indentation
 * indicator.
 */
function fitsLiteralBlock(value: string): boolean {
  return !UNPRINTABLE.test(value) && !/^[ \t\n]*$/.test(value) && !/\n[ \t]+$/.test(value) && !value.startsWith("\t");
}

/**
 * `|` with `-` (strip) when the string has no final line break, `+` (keep) when it has more than
 * one, and an explicit indentation when the first line with content starts with white space, which
 * a reader would otherwise take for indentation (or, for a tab, reject).
 */
function literalBlock(value: string, indent: string): string {
  const chomp = !value.endsWith("\n") ? "-" : value.endsWith("\n\n") ? "+" : "";
  const indentation = /^\n*[ \t]/.test(value) ? "2" : "";
  const lines = (value.endsWith("\n") ? value.slice(0, -1) : value).split("\n");
  let text = " |" + indentation + chomp + "\n";
  for (const line of lines) text += line ? indent + line + "\n" : "\n";
  return text;
}

/** JSON string escaping, plus \u escapes for the characters YAML does not allow raw or reads as line breaks. */
function doubleQuoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** A double-quoted key, as `mappingKey` writes one, up to the colon after it. */
const QUOTED_KEY = /^"(?:[^"\\]|\\.)*"(?=:(?: |$))/;

/**
 * Levels of nesting `readCanonicalYaml` reads: deeper than any object clusterc writes (about 15),
 * and few enough that a deep file made by hand is left to the parser at once.
 */
const MAX_DEPTH = 64;

/** Thrown inside `readCanonicalYaml` at anything its emitter does not write. */
class NotCanonical extends Error {}

/**
 * The value `text` holds when it is exactly what `toCanonicalYaml` writes for some value, read
 * without a YAML parser; undefined for any other text (then parse it with one). Every value read is
 * written back and compared with `text`, so what it returns is what any YAML reader would read: the
 * emitter's output reads back to its input. Explicit keys (`? key`) are left to the parser. For
 * the files clusterc writes and reads back (its state files, the rendered objects the change
 * planner compares), which yaml's parser reads at about 2 MB a second.
 */
export function readCanonicalYaml(text: string): unknown {
  const lines = text.split("\n");
  if (lines.pop() !== "" || lines.length === 0) return undefined;
  let at = 0;
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const fail = (): never => { throw new NotCanonical(); };

  // A literal block's lines follow, two columns in from the key or dash it belongs to.
  const literal = (header: string, indent: number): string => {
    const [, chomp] = /^\|2?([-+]?)$/.exec(header) ?? fail();
    const prefix = " ".repeat(indent + 2);
    const body: string[] = [];
    while (at < lines.length && (lines[at] === "" || lines[at]!.startsWith(prefix))) body.push(lines[at++]!.slice(prefix.length));
    return chomp === "-" ? body.join("\n") : body.join("\n") + "\n";
  };
  // `source` is what follows `key: ` or `- ` on a line at `indent`, which is read already.
  const scalar = (source: string, indent: number): unknown => {
    if (source === "[]") return [];
    if (source === "{}") return {};
    if (source === "true" || source === "false") return source === "true";
    if (source.startsWith('"')) return JSON.parse(source) as string;
    if (source.startsWith("|")) return literal(source, indent);
    if (source.startsWith("? ")) return fail();
    return /^-?[0-9]/.test(source) && Number.isFinite(Number(source)) ? Number(source) : source;
  };
  // After a dash, a map's first entry or a nested list starts on the dash's line: read it as if it
  // started its own line, two columns in.
  const item = (indent: number, content: string): unknown => {
    if (content.startsWith("- ") || QUOTED_KEY.test(content) || /^[^"][^]*?:(?: |$)/.test(content)) {
      lines[at] = " ".repeat(indent + 2) + content;
      return block(indent + 2);
    }
    at++;
    return scalar(content, indent);
  };
  const block = (indent: number): unknown => {
    if (indent > 2 * MAX_DEPTH) fail();
    if (lines[at]!.startsWith("-", indent)) {
      const list: unknown[] = [];
      while (at < lines.length && indentOf(lines[at]!) === indent && lines[at]!.startsWith("- ", indent)) list.push(item(indent, lines[at]!.slice(indent + 2)));
      return list;
    }
    const map: Record<string, unknown> = {};
    while (at < lines.length && indentOf(lines[at]!) === indent && !lines[at]!.startsWith("-", indent)) {
      const line = lines[at]!.slice(indent);
      const quoted = QUOTED_KEY.exec(line)?.[0];
      const end = quoted?.length ?? (line.includes(": ") ? line.indexOf(": ") : line.endsWith(":") ? line.length - 1 : fail());
      const key = quoted === undefined ? line.slice(0, end) : JSON.parse(quoted) as string;
      if ((quoted === undefined && (key.startsWith('"') || key.startsWith("? "))) || key === "__proto__" || Object.hasOwn(map, key)) fail();
      at++;
      if (end + 1 < line.length) map[key] = scalar(line.slice(end + 2), indent);
      else if (at < lines.length && indentOf(lines[at]!) === indent + 2) map[key] = block(indent + 2);
      else fail();
    }
    return map;
  };

  try {
    if (text === "{}\n") return {};
    const value = block(0);
    return at === lines.length && typeof value === "object" && toCanonicalYaml(value as object) === text ? value : undefined;
  } catch (e) {
    if (e instanceof NotCanonical || e instanceof SyntaxError) return undefined;
    throw e;
  }
}
