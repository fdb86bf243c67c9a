/**
 * Tablet UIDs: a tablet's alias is `<cell>-<uid>`, and the uid also names its MySQL data directory
 * (vt_<uid>) and is its MySQL server_id, so it must be unique within the topology and never change
 * for a tablet that has data. clusterc derives it from what the tablet is, never from its position in
 * the spec: adding a keyspace or a shard leaves every other tablet's uid as it was.
 */

/** Ordinals of one tablet set take the uids base+0 .. base+ORDINALS-1. */
const UID_ORDINALS = 100;
/** Bases stay below 2^32 (uids are uint32) and above 0 (server_id 0 would refuse replication). */
const BASES = 42_000_000;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The first uid of the tablets of one keyspace, shard and tablet type. */
export function tabletUidBase(keyspace: string, shard: string, type: string): number {
  return ((fnv1a(`${keyspace}/${shard}/${type}`) % BASES) + 1) * UID_ORDINALS;
}
