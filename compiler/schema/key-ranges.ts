/**
 * Vitess shard key ranges: "start-end" in lower-case hex keyspace-id prefixes, an empty side meaning
 * the start or end of the key space ("-80", "80-"), and "0" or "-" for the one shard of an unsharded
 * keyspace (vitessio/vitess go/vt/key/key.go ParseShardingSpec, IsValidKeyRange).
 */

const HEX = /^([0-9a-f]{2})*$/;

/** A bound as comparable text: trailing zero bytes do not change a keyspace-id prefix ("80" is "8000"). */
function bound(hex: string): string {
  return hex.replace(/(00)+$/, "");
}

interface Range {
  text: string;
  start: string;
  end: string;
}

function parse(text: string): Range | undefined {
  if (text === "0" || text === "-") return { text, start: "", end: "" };
  const parts = text.split("-");
  if (parts.length !== 2 || !parts.every((p) => HEX.test(p))) return undefined;
  return { text, start: bound(parts[0]!), end: bound(parts[1]!) };
}

/** a < b for bounds, where "" as an end means the end of the key space. */
function endBefore(a: string, b: string): boolean {
  if (a === "") return false;
  if (b === "") return true;
  return a < b;
}

/** Every problem with a keyspace's list of shards: malformed, unsorted, gaps and overlaps, each at the shard it concerns. */
export function shardRangeIssues(shards: readonly string[]): { index: number; message: string }[] {
  const issues: { index: number; message: string }[] = [];
  const ranges = shards.map(parse);
  ranges.forEach((range, i) => {
    if (!range) issues.push({ index: i, message: `shard "${shards[i]}" is not a key range: write "start-end" in lower-case hex with whole bytes (e.g. "-80", "40-80", "80-"), or "0" for an unsharded keyspace` });
    else if (range.end !== "" && !(range.start < range.end)) issues.push({ index: i, message: `shard "${range.text}" is empty: its start must be below its end` });
  });
  if (issues.length > 0) return issues;
  const valid = ranges as Range[];
  if (valid.length > 1 && valid.some((r) => r.text === "0" || r.text === "-")) {
    const i = valid.findIndex((r) => r.text === "0" || r.text === "-");
    return [{ index: i, message: `shard "${valid[i]!.text}" covers the whole key space, so it cannot share the keyspace with ${valid.filter((_, j) => j !== i).map((r) => `"${r.text}"`).join(", ")}` }];
  }
  const unsorted = valid.flatMap((range, i) => (i > 0 && range.start <= valid[i - 1]!.start
    ? [{ index: i, message: `shard "${range.text}" is out of order: it starts at or before "${valid[i - 1]!.text}"; list shards sorted by key range` }]
    : []));
  if (unsorted.length > 0) return unsorted;
  if (valid[0]!.start !== "") issues.push({ index: 0, message: `shard "${valid[0]!.text}" leaves a gap: keyspace ids below ${valid[0]!.start} belong to no shard; start the first shard at the beginning ("-${shards[0]!.split("-")[1]}")` });
  for (let i = 1; i < valid.length; i++) {
    const before = valid[i - 1]!;
    const range = valid[i]!;
    if (before.end === range.start) continue;
    issues.push({ index: i, message: before.end === "" || endBefore(range.start, before.end)
      ? `shards "${before.text}" and "${range.text}" overlap between ${range.start} and ${before.end || "the end"}; a keyspace id belongs to exactly one shard`
      : `shards "${before.text}" and "${range.text}" leave a gap: keyspace ids from ${before.end} to ${range.start} belong to no shard` });
  }
  const last = valid[valid.length - 1]!;
  if (last.end !== "") issues.push({ index: valid.length - 1, message: `shard "${last.text}" leaves a gap: keyspace ids from ${last.end} on belong to no shard; end the last shard at the end ("${shards[valid.length - 1]!.split("-")[0]}-")` });
  return issues;
}

/**
 * `count` shards of (nearly) equal size: boundaries at i * 2^16 / count, written with the fewest whole
 * bytes that hold them, so 2 shards are ["-80", "80-"] and 3 are ["-5555", "5555-aaaa", "aaaa-"]. One is "0".
 */
export function evenShards(count: number): string[] {
  if (count === 1) return ["0"];
  const boundaries = Array.from({ length: count - 1 }, (_, i) => bound(Math.floor(((i + 1) * 0x10000) / count).toString(16).padStart(4, "0")));
  const edges = ["", ...boundaries, ""];
  return boundaries.concat("").map((_, i) => `${edges[i]}-${edges[i + 1]}`);
}

/**
 * A shard's name in object names and label values, which must start and end with a letter or digit:
 * an open end of a key range becomes "x" ("-80" is "x-80", "80-" is "80-x").
 */
export function shardSlug(shard: string): string {
  return shard.replace(/^-/, "x-").replace(/-$/, "-x");
}

/** The shards a keyspace's `shards` field names: its list, or a count split evenly. */
export function shardList(shards: readonly string[] | number): string[] {
  return typeof shards === "number" ? evenShards(shards) : [...shards];
}
