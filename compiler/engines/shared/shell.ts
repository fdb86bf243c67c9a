/** A POSIX shell script from its lines; written as plain strings so `${VAR}` stays shell syntax. */
export function shellScript(...lines: string[]): string {
  return lines.join("\n") + "\n";
}
