import { error, type Finding } from "../diagnostics.js";
import { containersOf, podSpecOf } from "../engines/shared/pods.js";
import type { Manifest } from "../engines/types.js";
import { secretIn } from "../secret-patterns.js";
import type { Rule } from "./types.js";

const ID = "secrets-hygiene";

/** Environment variable names that announce a secret value... */
const SECRET_ENV_NAME = /(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** ...unless they only say where the secret is (MYSQL_ROOT_PASSWORD_FILE, TLS_SECRET_NAME). */
const SECRET_LOCATION_SUFFIX = /_(FILE|PATH|NAME)$/i;

/** Switches that leave a database without a password. */
const EMPTY_PASSWORD_ENV = /^(MYSQL_ALLOW_EMPTY_PASSWORD|MARIADB_ALLOW_EMPTY_ROOT_PASSWORD|ALLOW_EMPTY_PASSWORD)$/;
const EMPTY_PASSWORD_FLAG = /skip[-_]grant[-_]tables/i;

/** SQL that sets a password from a quoted literal (a `$VARIABLE` filled in at run time is fine). */
const PASSWORD_SQL = [
  /IDENTIFIED\s+(WITH\s+\S+\s+)?BY\s+'[^'$]/i,
  /SET\s+PASSWORD\b[^;]*=\s*(PASSWORD\s*\()?\s*'[^'$]/i,
];

/** What secret a piece of configuration text holds, if any. */
function secretInText(text: string): string | undefined {
  return PASSWORD_SQL.some((p) => p.test(text)) ? "SQL that sets a literal password" : secretIn(text);
}

/**
 * Checks what was rendered, so that no engine or later change can put a secret in plain sight: no
 * literal value in a secret-named env var, no key, token or password SQL in a ConfigMap or env value,
 * no plaintext Secret object, no empty-password switch. Encrypted forms (SealedSecret, SOPS files,
 * ExternalSecret references) are not secrets in the clear and pass. Messages name the place, never the value.
 */
export const secretsHygiene: Rule = {
  id: ID,
  description: "no literal secrets in env vars, ConfigMaps or Secret objects; no empty-password switches",
  level: "error",
  fix: "read the value from a Secret (secretRef or externalSecret)",
  run(builds) {
    return { builds, findings: builds.flatMap((b) => b.manifests.flatMap(manifestFindings)) };
  },
};

function manifestFindings(manifest: Manifest): Finding[] {
  const { object, origin } = manifest;
  const where = `${object.kind} ${object.metadata.name}`;
  if (object.kind === "Secret" && !(object as { sops?: unknown }).sops) {
    return [error(origin, ID, `${where} would be committed in plain text (base64 is not encryption); reference the Secret with secretRef or use externalSecret`)];
  }
  if (object.kind === "ConfigMap") {
    const data = (object as { data?: Record<string, string> }).data ?? {};
    return Object.entries(data).flatMap(([key, text]) => [
      ...[secretInText(text)].filter((what) => what !== undefined).map((what) =>
        error(origin, ID, `${where}, key ${key}, holds ${what} (value not shown); read it from a Secret instead`)),
      ...(EMPTY_PASSWORD_FLAG.test(text) ? [error(origin, ID, `${where}, key ${key}, turns on skip-grant-tables, which disables authentication; remove it`)] : []),
    ]);
  }
  const pod = podSpecOf(object);
  if (!pod) return [];
  return containersOf(pod).flatMap((container) => {
    const at = `${where}, container ${container.name}`;
    const envFindings = (container.env ?? []).flatMap((env) => {
      if (EMPTY_PASSWORD_ENV.test(env.name)) return [error(origin, ID, `${at}: ${env.name} allows an empty password; set a password from a Secret instead`)];
      if (env.value && SECRET_ENV_NAME.test(env.name) && !SECRET_LOCATION_SUFFIX.test(env.name)) return [error(origin, ID, `${at}: env ${env.name} holds a literal value (not shown); use valueFrom.secretKeyRef`)];
      const what = env.value ? secretIn(env.value) : undefined;
      if (what) return [error(origin, ID, `${at}: env ${env.name} holds ${what} (value not shown); use valueFrom.secretKeyRef`)];
      return [];
    });
    const args = [...(container.command ?? []), ...(container.args ?? [])];
    const flagFindings = args.some((a) => EMPTY_PASSWORD_FLAG.test(a))
      ? [error(origin, ID, `${at}: starts with skip-grant-tables, which disables authentication; remove it`)]
      : [];
    return [...envFindings, ...flagFindings];
  });
}
