/** One way a stub binary answers a call. The first answer that matches the call and is not used up wins. */
export interface Answer {
  /** Which calls it answers; absent: every call. */
  when?: {
    /** Regular expressions (sources) that must each match at least one argument. */
    args?: string[];
    /** Environment variables the call must see: a value, or null for unset or empty. */
    env?: Record<string, string | null>;
    /** A regular expression (source) that stdin must match. */
    stdin?: string;
  };
  /** How many calls it answers before the next matching answer takes over; absent: all of them. */
  times?: number;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** Seconds to wait before answering: a slow peer, a slow server. */
  delaySeconds?: number;
}

/** What a stub saw when the script called it. Paths are container paths, as the script wrote them. */
export interface Call {
  /** The stub's name: `wget`, or an absolute path such as `/pd-server`. */
  name: string;
  args: string[];
  env: Record<string, string>;
  stdin: string;
}

/** Where the harness keeps a stub's answers, under the run's directory. */
export function answersFile(runDir: string, stubName: string): string {
  return `${runDir}/stubs/${stubName.replaceAll("/", "_")}.json`;
}
