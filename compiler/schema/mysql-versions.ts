/**
 * The MySQL releases clusterc can replicate, each paired with an XtraBackup image of the same series
 * that can back it up (Percona's "Supported versions" and "Server version and backup version
 * comparison" pages, percona/pxb-docs docs/supported-versions.md, docs/server-backup-version-comparison.md):
 * - before XtraBackup 8.0.34, XtraBackup refuses a server newer than itself, so 8.0.23-8.0.33 get 8.0.33;
 * - XtraBackup 8.0.35 backs up 8.0.34 "and any later 8.0.x release", but no older one;
 * - XtraBackup 8.4.x backs up any 8.4.x.
 * 8.0.23 is the first release with CHANGE REPLICATION SOURCE TO / START REPLICA. XtraBackup 2.4 (the
 * seed article's) cannot back up 8.0, and 5.7 and 9.x have no pairing here.
 * Each image ships xtrabackup, xbstream, socat and a mysql client (percona/percona-docker
 * percona-xtrabackup-8.0/Dockerfile and percona-xtrabackup-8.x/Dockerfile at the pinned releases).
 */
export interface MySQLSeries {
  /** How messages and the README name the range. */
  describe: string;
  major: "8.0" | "8.4";
  minPatch: number;
  maxPatch: number;
  xtrabackupImage: string;
}

export const MYSQL_SERIES: readonly MySQLSeries[] = [
  { describe: "8.0.23 to 8.0.33", major: "8.0", minPatch: 23, maxPatch: 33, xtrabackupImage: "percona/percona-xtrabackup:8.0.33-28" },
  { describe: "8.0.34 or a later 8.0", major: "8.0", minPatch: 34, maxPatch: Infinity, xtrabackupImage: "percona/percona-xtrabackup:8.0.35-34" },
  { describe: "any 8.4 (LTS)", major: "8.4", minPatch: 0, maxPatch: Infinity, xtrabackupImage: "percona/percona-xtrabackup:8.4.0-4" },
];

const RELEASE = /^(8\.[04])\.(0|[1-9]\d*)$/;

/** The series a `spec.version` belongs to, or undefined when clusterc knows no good XtraBackup for it. */
export function seriesOf(version: string): MySQLSeries | undefined {
  const match = RELEASE.exec(version);
  if (!match) return undefined;
  const patch = Number(match[2]);
  return MYSQL_SERIES.find((s) => s.major === match[1] && patch >= s.minPatch && patch <= s.maxPatch);
}
