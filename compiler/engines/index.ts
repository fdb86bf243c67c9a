import type { ClusterDocument } from "../fleet/fleet.js";
import { tidbEngine } from "./tidb.js";
import { mysqlEngine } from "./mysql.js";
import { vitessEngine } from "./vitess.js";
import { antdbEngine } from "./antdb.js";
import type { Engine } from "./types.js";

/** One engine per cluster kind. */
export const ENGINES: { [K in ClusterDocument["kind"]]: Engine<Extract<ClusterDocument, { kind: K }>> } = {
  TiDBCluster: tidbEngine,
  MySQLCluster: mysqlEngine,
  VitessCluster: vitessEngine,
  AntDBCluster: antdbEngine,
};
