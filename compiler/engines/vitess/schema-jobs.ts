import type { V1ConfigMap } from "@kubernetes/client-node";
import { hookJob } from "../shared/jobs.js";
import { objectMeta } from "../shared/metadata.js";
import { shellScript } from "../shared/shell.js";
import type { Manifest } from "../types.js";
import { GRPC_PORT, VITESS_WAVES, ref, svcHost, vtctldName, type OriginAt, type VitessCluster } from "./names.js";
import { liteImage } from "./versions.js";

const SCHEMA_DIR = "/schema";

/**
 * Applies a keyspace's schema, then its VSchema, through vtctld, as Vitess's examples do
 * (examples/local/101_initial_cluster.sh: `vtctldclient ApplySchema --sql-file ...` and
 * `ApplyVSchema --vschema-file ...`). It runs after the election Jobs, so every shard has the primary
 * ApplySchema needs, and before vtgate. On every sync: ApplyVSchema replaces the VSchema with the
 * spec's, and the DDL must be written to run again (CREATE TABLE IF NOT EXISTS).
 */
const SCHEMA_SCRIPT = shellScript(
  'set -eu',
  'ctl() { /vt/bin/vtctldclient --server="${VTCTLD}" "$@"; }',
  `if [ -s ${SCHEMA_DIR}/schema.sql ]; then`,
  `  ctl ApplySchema --sql-file=${SCHEMA_DIR}/schema.sql "\${KEYSPACE}"`,
  '  echo "schema of ${KEYSPACE} applied"',
  'fi',
  `if [ -s ${SCHEMA_DIR}/vschema.json ]; then`,
  `  ctl ApplyVSchema --vschema-file=${SCHEMA_DIR}/vschema.json "\${KEYSPACE}"`,
  '  echo "VSchema of ${KEYSPACE} applied"',
  'fi',
);

/** A ConfigMap with the keyspace's schema.sql and vschema.json, and the Job that applies them; none for a keyspace with neither. */
export function schemaObjects(cluster: VitessCluster, origin: OriginAt): Manifest[] {
  return cluster.spec.keyspaces.flatMap((ks, k) => {
    if (ks.schema === undefined && ks.vschema === undefined) return [];
    const schema = ref(cluster, "schema");
    const name = `${cluster.name}-${ks.name}-schema`;
    const config: V1ConfigMap & Manifest["object"] = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta(schema, name, VITESS_WAVES.schema),
      data: {
        ...(ks.schema !== undefined && { "schema.sql": ks.schema.endsWith("\n") ? ks.schema : `${ks.schema}\n` }),
        ...(ks.vschema !== undefined && { "vschema.json": `${JSON.stringify(ks.vschema, null, 2)}\n` }),
      },
    };
    const job = hookJob(schema, {
      name, wave: VITESS_WAVES.schema, hook: "Sync",
      container: {
        name: "apply",
        image: liteImage(cluster.spec.version),
        command: ["/bin/sh", "-c", SCHEMA_SCRIPT],
        env: [{ name: "VTCTLD", value: `${svcHost(cluster, vtctldName(cluster))}:${GRPC_PORT}` }, { name: "KEYSPACE", value: ks.name }],
        volumeMounts: [{ name: "schema", mountPath: SCHEMA_DIR, readOnly: true }],
      },
    });
    job.spec!.template.spec!.volumes = [{ name: "schema", configMap: { name } }];
    return [{ object: config, origin: origin("keyspaces", k, ks.schema !== undefined ? "schema" : "vschema") }, { object: job, origin: origin("keyspaces", k) }];
  });
}
