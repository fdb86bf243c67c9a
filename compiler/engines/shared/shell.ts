/** A POSIX shell script from its lines; written as plain strings so `${VAR}` stays shell syntax. */
export function shellScript(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

/**
 * A shell line that sets `target` to the value of the environment variable `source`, escaped for a
 * single-quoted SQL string (backslash and quote doubled, as MySQL and TiDB read them). The value goes
 * from printf, a shell builtin, into sed's stdin: it never appears on a command line.
 */
export function sqlEscaped(target: string, source: string): string {
  const value = "${" + source + "}";
  return `${target}=$(printf '%s' "${value}"` + String.raw` | sed -e 's/\\/\\\\/g' -e "s/'/''/g")`;
}

/** A shell line that stops the script, saying what to do, when the secret in `variable` (from `spec.<field>`) is empty. */
export function refuseEmptySecret(variable: string, what: string, field: string, exitCode: number): string {
  return `[ -n "\${${variable}}" ] || { echo "the ${what} Secret (spec.${field}) is empty; put a password in it" >&2; exit ${exitCode}; }`;
}
