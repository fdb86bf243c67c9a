/** What one Vitess release needs that another does not: where mysqld comes from. */
export interface VitessRelease {
  /** The image of the tablets' mysqld container; mysqlctld is copied into it from vitess/lite. */
  mysqldImage: (version: string) => string;
  /**
   * The MySQL version vttablet, mysqlctld and vtgate report and plan for. Needed where vitess/lite
   * holds no mysqld to ask (vitess-operator's mysql.UpdateMySQLServerVersion sets it from the image tag).
   */
  mysqlServerVersion?: string;
}

/**
 * By major release. The flags of vtctld, vtgate, vttablet and mysqlctld are the same in both: all
 * are in vitessio/vitess go/flags/endtoend/<binary>.txt, none deprecated, at v19.0.0-v19.0.10 and
 * v20.0.0-v20.0.8 (README, Versions). v19's vitess/lite still ships mysqld (deprecated in the v19.0.0 release notes;
 * vitess-operator v2.12, which runs v19, uses vitess/lite as its mysqld image); from v20 it does not,
 * and vitess-operator runs mysqld from the mysql image (pkg/apis/planetscale/v2/defaults.go: mysql:8.0.30
 * in v2.13, mysql:8.0.40 now). clusterc takes the later one: a v19 cluster's mysqld, from vitess/lite,
 * may be a later 8.0 than 8.0.30, and MySQL does not start a data directory of a later release.
 */
const RELEASES: Readonly<Record<string, VitessRelease>> = {
  "19": { mysqldImage: (version) => liteImage(version) },
  "20": { mysqldImage: () => "mysql:8.0.40", mysqlServerVersion: "8.0.40-Vitess" },
};

/** The image of every Vitess binary, tagged with the release. */
export const LITE_IMAGE = "vitess/lite";

export function liteImage(version: string): string {
  return `${LITE_IMAGE}:${version}`;
}

/** The release a spec's version names; the schema only lets through versions of the table's majors. */
export function vitessRelease(version: string): VitessRelease {
  const release = RELEASES[/^v(\d+)\./.exec(version)?.[1] ?? ""];
  if (!release) throw new Error(`schema bug: Vitess ${version} passed the schema but has no row in the release table`);
  return release;
}
