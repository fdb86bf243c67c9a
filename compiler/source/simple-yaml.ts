import type { Offsets } from "./offsets.js";

/** Thrown inside `readSimpleYaml` at anything outside the subset it reads. */
class NotSimple extends Error {}

function fail(): never {
  throw new NotSimple();
}

/** Levels of nesting read: far deeper than any spec, few enough that a hostile file goes to the parser at once. */
const MAX_DEPTH = 64;
/** yaml rejects implicit keys over 1024 characters. */
const MAX_KEY_LENGTH = 1000;

/** Tabs, carriage returns, byte-order marks, controls and non-characters: left to the parser, which knows what each means where. */
const OUTSIDE = /[\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/u;
/** The keys read: the names and label keys specs use. Quoted keys, `? key` and the like are left to the parser. */
const KEY_PATTERN = "[A-Za-z0-9_][A-Za-z0-9_./-]*";
/** A key where a flow map's key starts (sticky). */
const KEY = new RegExp(KEY_PATTERN, "y");
/** `key:` or `key: rest` on a line of a block map. */
const KEY_LINE = new RegExp(`^(${KEY_PATTERN}):(?: +(.*))?$`);
/** What may follow a value on its line: spaces, and a comment after at least one of them. */
const LINE_END = /^(?: +#.*| *)$/;

/**
 * The value of each document of `text` when it keeps to the subset of YAML that specs are written
 * in, read without a YAML parser; undefined for any other text (then parse it with one). The subset:
 * block maps and lists, one-line flow maps and lists (`{ name: a, size: 10Gi }`, `[zone1]`), plain
 * scalars resolved by the YAML 1.2 core schema as `yaml` resolves them, quoted scalars without
 * escapes, literal blocks (`|`, `|-`), comments, and documents split by `---` lines. Anything else
 * (anchors, aliases, tags, escapes, folded or multi-line scalars, explicit or quoted keys, keys that
 * resolve to other than a string, duplicate keys, flow collections over several lines) is refused
 * whole, so a text either reads as yaml reads it or goes to yaml, which reports its errors with
 * their positions. yaml parses a fleet's 1,000 specs in about 0.35 s, a tenth of a CI check.
 */
export function readSimpleYaml(text: string): unknown[] | undefined {
  return read(text);
}

/**
 * For a text `readSimpleYaml` reads, where the node at `path` of document `doc` starts, as
 * locate.ts finds it in yaml's syntax tree (source/offsets.ts); undefined for any other text.
 */
export function simpleYamlOffsets(text: string): Offsets | undefined {
  const positions = new Positions();
  const documents = read(text, positions);
  return documents && ((doc, path) => positions.offsetOf(documents[doc], doc, path));
}

function read(text: string, positions?: Positions): unknown[] | undefined {
  if (!text.endsWith("\n") || OUTSIDE.test(text)) return undefined;
  try {
    const lines = text.slice(0, -1).split("\n");
    const starts = positions && lineStarts(lines);
    return documentLines(lines).map(({ lines: own, first }) => new BlockReader(own, starts && positions && { starts, first, positions }).document());
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}

/** Where each entry of the maps and each item of the lists read starts in the text, and each document's map. */
class Positions {
  readonly of = new Map<object, Map<string, number> | number[]>();
  readonly roots: number[] = [];

  /** As offsetOf in source/offsets.ts walks yaml's nodes: down the path while it exists, at map keys and list items. */
  offsetOf(document: unknown, doc: number, path: readonly (string | number)[]): number {
    if (document === undefined) return 0;
    let node: unknown = document;
    let offset = this.roots[doc]!;
    for (const segment of path) {
      const recorded = typeof node === "object" && node !== null ? this.of.get(node) : undefined;
      const at = recorded instanceof Map ? recorded.get(String(segment)) : recorded !== undefined && typeof segment === "number" ? recorded[segment] : undefined;
      if (at === undefined) break;
      offset = at;
      node = (node as Record<string | number, unknown>)[recorded instanceof Map ? String(segment) : segment];
    }
    return offset;
  }
}

/** Where a document's lines are in the text, for recording positions. */
interface Where {
  /** The offset of every line of the text. */
  starts: readonly number[];
  /** The index of the document's first line among them. */
  first: number;
  positions: Positions;
}

function lineStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  return starts;
}

/** The lines of each document and the index of its first line: a `---` line starts one, and the first line may be one. */
function documentLines(lines: readonly string[]): { lines: string[]; first: number }[] {
  const documents: { lines: string[]; first: number }[] = [];
  let current = { lines: [] as string[], first: 0 };
  lines.forEach((line, i) => {
    if (line === "---") {
      if (i > 0) documents.push(current);
      current = { lines: [], first: i + 1 };
    } else if (line.startsWith("---") || line.startsWith("...") || line.startsWith("%")) {
      fail(); // markers with content, document ends, directives
    } else {
      current.lines.push(line);
    }
  });
  documents.push(current);
  return documents;
}

function indentOf(line: string): number {
  let indent = 0;
  while (line.charCodeAt(indent) === 32) indent++;
  return indent;
}

function isDash(line: string, at: number): boolean {
  return line[at] === "-" && (line.length === at + 1 || line[at + 1] === " ");
}

class BlockReader {
  private at = 0;

  constructor(private readonly lines: string[], private readonly where?: Where) {}

  /** The document's one block map, at column 0. */
  document(): Record<string, unknown> {
    if (this.next() !== 0) fail(); // no content (an empty document), or a root that is indented
    this.where?.positions.roots.push(this.offsetAt(0));
    const map = this.mapping(0, 0);
    if (this.next() !== -1) fail();
    return map;
  }

  /** The offset in the text of `column` of a line (the current one by default); only while recording positions. */
  private offsetAt(column: number, line = this.at): number {
    return this.where!.starts[this.where!.first + line]! + column;
  }

  /** The indentation of the next line with content, past blank and comment lines; -1 at the end. */
  private next(): number {
    for (; this.at < this.lines.length; this.at++) {
      const line = this.lines[this.at]!;
      const indent = indentOf(line);
      if (indent < line.length && line[indent] !== "#") return indent;
    }
    return -1;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) fail();
    const map: Record<string, unknown> = {};
    const keys = this.where && new Map<string, number>();
    if (keys) this.where!.positions.of.set(map, keys);
    for (let next = this.next(); next >= indent; next = this.next()) {
      if (next > indent) fail();
      const entry = KEY_LINE.exec(this.lines[this.at]!.slice(indent)) ?? fail();
      const key = entry[1]!;
      const rest = entry[2] ?? "";
      checkKey(map, key);
      keys?.set(key, this.offsetAt(indent));
      this.at++;
      map[key] = this.value(rest, indent, depth);
    }
    return map;
  }

  /** The value after `key:` on a line at `indent`: `rest` is what follows the colon and its spaces. */
  private value(rest: string, indent: number, depth: number): unknown {
    if (rest === "" || rest.startsWith("#")) {
      const next = this.next();
      if (next > indent) return this.block(next, depth + 1);
      if (next === indent && isDash(this.lines[this.at]!, next)) return this.sequence(next, depth + 1);
      return null;
    }
    return this.scalarOrFlow(rest, indent, depth);
  }

  private block(indent: number, depth: number): unknown {
    return isDash(this.lines[this.at]!, indent) ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  private sequence(indent: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) fail();
    const list: unknown[] = [];
    const items = this.where && ([] as number[]);
    if (items) this.where!.positions.of.set(list, items);
    for (let next = this.next(); next >= indent; next = this.next()) {
      if (next > indent) fail();
      const line = this.lines[this.at]!;
      if (!isDash(line, indent)) break; // the next key of the map whose value this list is, at the key's indentation
      const column = indent + 1 + indentOf(line.slice(indent + 1));
      const item = line.slice(column);
      if (item === "" || item.startsWith("#") || isDash(item, 0)) fail(); // an item on the lines below, a nested list
      items?.push(this.offsetAt(column));
      if (KEY_LINE.test(item)) {
        // a map's first entry on the dash's line: read as if it started its own line there
        this.lines[this.at] = " ".repeat(column) + item;
        list.push(this.mapping(column, depth + 1));
      } else {
        this.at++;
        list.push(this.scalarOrFlow(item, indent, depth));
      }
    }
    return list;
  }

  /** A value that ends the line just read (`source`, past `key: ` or `- `), with the lines that belong to it. */
  private scalarOrFlow(source: string, indent: number, depth: number): unknown {
    if (source[0] === "|") return this.literal(source, indent);
    const read = this.at - 1;
    const base = this.where && this.offsetAt(this.lines[read]!.length - source.length, read);
    const value = inlineValue(source, depth, this.where && { base: base!, positions: this.where.positions });
    // Nothing may follow on lines further in: YAML would continue the scalar there.
    for (let at = this.at; at < this.lines.length; at++) {
      const line = this.lines[at]!;
      const lineIndent = indentOf(line);
      if (lineIndent === line.length) continue;
      if (lineIndent > indent) fail();
      if (line[lineIndent] !== "#") break;
    }
    return value;
  }

  /** A literal block (`|` clips the last line break, `|-` strips it), its lines further in than `indent`. */
  private literal(header: string, indent: number): string {
    const [, chomp] = /^\|(-?)(?: +#.*| *)$/.exec(header) ?? fail();
    const body: string[] = [];
    let bodyIndent = -1;
    for (; this.at < this.lines.length; this.at++) {
      const line = this.lines[this.at]!;
      if (line === "") {
        body.push("");
        continue;
      }
      const lineIndent = indentOf(line);
      if (lineIndent === line.length) fail(); // a line of only spaces: readers differ on what it holds
      if (bodyIndent === -1) {
        if (lineIndent <= indent || body.length > 0) fail(); // empty block, leading empty lines
        bodyIndent = lineIndent;
      }
      if (lineIndent < bodyIndent) {
        if (lineIndent > indent) fail();
        break;
      }
      body.push(line.slice(bodyIndent));
    }
    while (body.at(-1) === "") body.pop();
    if (body.length === 0) fail();
    const text = body.join("\n");
    return chomp === "-" ? text : text + "\n";
  }
}

function checkKey(map: Record<string, unknown>, key: string): void {
  if (key.length > MAX_KEY_LENGTH || key === "__proto__" || Object.hasOwn(map, key) || typeof plainScalar(key) !== "string") fail();
}

/** Where a line's text starts in the file, for recording the positions of a flow collection's entries. */
interface FlowWhere {
  base: number;
  positions: Positions;
}

/** A scalar or a one-line flow collection, and nothing but a comment after it. */
function inlineValue(source: string, depth: number, where?: FlowWhere): unknown {
  if (source[0] === "[" || source[0] === "{" || source[0] === '"' || source[0] === "'") {
    const [value, end] = flowNode(source, 0, depth, where);
    if (!LINE_END.test(source.slice(end))) fail();
    return value;
  }
  const comment = source.indexOf(" #");
  return plainScalar(checkedPlain(comment === -1 ? source : source.slice(0, comment), false));
}

/** A flow collection or a scalar in one, starting at `at`: the value and where it ends. */
function flowNode(source: string, at: number, depth: number, where?: FlowWhere): [unknown, number] {
  const first = source[at];
  if (first === '"' || first === "'") return quoted(source, at);
  if (first !== "[" && first !== "{") {
    let end = at;
    while (end < source.length && !",[]{}".includes(source[end]!)) end++;
    if (source[end] === "[" || source[end] === "{" || end === source.length) fail();
    return [plainScalar(checkedPlain(source.slice(at, end), true)), end];
  }
  if (depth > MAX_DEPTH) fail();
  const close = first === "[" ? "]" : "}";
  const list: unknown[] = [];
  const map: Record<string, unknown> = {};
  const items = where && ([] as number[]);
  const keys = where && new Map<string, number>();
  if (where) where.positions.of.set(first === "[" ? list : map, first === "[" ? items! : keys!);
  at = skipSpaces(source, at + 1);
  if (source[at] === close) return [first === "[" ? list : map, at + 1];
  for (;;) {
    if (first === "[") {
      items?.push(where!.base + at);
      const [value, end] = flowNode(source, at, depth + 1, where);
      list.push(value);
      at = end;
    } else {
      KEY.lastIndex = at;
      const key = KEY.exec(source)?.[0] ?? fail();
      checkKey(map, key);
      keys?.set(key, where!.base + at);
      at += key.length;
      if (!source.startsWith(": ", at)) fail();
      const [value, end] = flowNode(source, skipSpaces(source, at + 2), depth + 1, where);
      map[key] = value;
      at = end;
    }
    at = skipSpaces(source, at);
    if (source[at] === close) return [first === "[" ? list : map, at + 1];
    if (source[at] !== ",") fail();
    at = skipSpaces(source, at + 1);
    if (source[at] === close) fail(); // a trailing comma
  }
}

function skipSpaces(source: string, at: number): number {
  while (source[at] === " ") at++;
  return at;
}

/** A quoted scalar at `at` without escapes (`''` is a single quote in single quotes), and where it ends. */
function quoted(source: string, at: number): [string, number] {
  const quote = source[at]!;
  let value = "";
  for (let from = at + 1; ;) {
    const end = source.indexOf(quote, from);
    if (end === -1) fail();
    const part = source.slice(from, end);
    if (quote === '"' && part.includes("\\")) fail();
    value += part;
    if (quote === "'" && source[end + 1] === "'") {
      value += "'";
      from = end + 2;
      continue;
    }
    return [value, end + 1];
  }
}

/**
 * The text of a plain scalar, trimmed, when it is one in every reader's eyes: no leading indicator,
 * no `: ` or ` #` inside, no trailing colon; in a flow collection no comma (the caller stops at
 * those) and no colon at all. Brackets are refused in block values too, where YAML allows them.
 */
function checkedPlain(raw: string, inFlow: boolean): string {
  const text = raw.trim();
  if (text === "" || /^[,[\]{}#&*!|>'"%@`?:]|^-(?: |$)|: |:$| #|[[\]{}]/.test(text)) fail();
  if (inFlow && /[,:]/.test(text)) fail();
  return text;
}

/** A plain scalar as the YAML 1.2 core schema resolves it, tag by tag in `yaml`'s order (yaml/dist/schema/core). */
function plainScalar(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === "t" || text[0] === "T";
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    return text.slice(-3).toLowerCase() === "nan" ? NaN : text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return parseFloat(text);
  return text;
}
