import { z } from "zod";

interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  /** Of a record: its keys (an enum when only some are allowed) and every value's schema. */
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
}

/**
 * The README's field reference for one document kind, generated from its zod schema so the docs
 * cannot drift from what the compiler accepts: one row per field, nested fields as dotted paths.
 */
export function fieldReference(documentSchema: z.ZodType): string {
  const root = z.toJSONSchema(documentSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows = [
    "| field | type | required | default | description |",
    "| --- | --- | --- | --- | --- |",
    ...fieldRows(root, ""),
  ];
  return rows.join("\n") + "\n";
}

function fieldRows(node: JsonSchema, prefix: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([name, field]) => {
    if (field.const !== undefined) return []; // apiVersion and kind: fixed, shown in every example
    const path = prefix + name;
    const required = (node.required ?? []).includes(name) && field.default === undefined;
    const row = `| \`${path}\` | ${typeName(field)} | ${required ? "yes" : ""} | ${field.default === undefined ? "" : `\`${JSON.stringify(field.default)}\``} | ${field.description ?? ""} |`;
    const children = field.items ? fieldRows(field.items, `${path}[].`) : fieldRows(field, `${path}.`);
    return [row, ...children];
  });
}

function typeName(field: JsonSchema): string {
  if (field.title) return field.title;
  if (field.enum) return field.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (field.items) return `list of ${field.items.type === "object" ? "maps" : `${typeName(field.items)}s`}`;
  if (field.type === "object") return field.properties ? "map" : recordName(field);
  return field.type ?? field.anyOf?.map(typeName).join(" or ") ?? "any";
}

/** A record by its keys and values: `map of strings`, or `map from \`A\` \| \`B\` to maps of maps`. */
function recordName(field: JsonSchema): string {
  const keys = field.propertyNames?.enum;
  const values = typeof field.additionalProperties === "object" ? pluralName(field.additionalProperties) : "values";
  return keys ? `map from ${keys.map((k) => `\`${String(k)}\``).join(" \\| ")} to ${values}` : `map of ${values}`;
}

function pluralName(field: JsonSchema): string {
  if (field.type === "object") return field.properties ? "maps" : recordName(field).replace(/^map/, "maps");
  const name = typeName(field);
  return name === "any" ? "values" : `${name}s`;
}
