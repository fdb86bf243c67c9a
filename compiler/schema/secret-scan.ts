import { error, type Finding } from "../diagnostics.js";
import { secretIn } from "../secret-patterns.js";
import { SECRET_LITERAL } from "./common.js";
import { formatPath } from "./issues.js";

/**
 * Looks through every string of a spec or policy for a secret pasted where none belongs (a token in
 * a label, credentials in a repository URL). Reported under the same rule as a literal password.
 */
export function secretFindings(value: unknown, at: { file: string; doc: number }, path: (string | number)[] = []): Finding[] {
  if (typeof value === "string") {
    const what = secretIn(value);
    return what ? [error({ ...at, path }, SECRET_LITERAL, `${formatPath(path)}: holds ${what} (value not shown); keep secrets in a Secret and reference it`)] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => secretFindings(item, at, [...path, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => secretFindings(item, at, [...path, key]));
  }
  return [];
}
