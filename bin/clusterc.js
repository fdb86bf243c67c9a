#!/usr/bin/env node
// The bundled CLI lives in dist/cli/; `npm ci` builds it through the prepare script.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write("clusterc: not built yet; run `npm ci` (or `npm run build`) first\n");
  process.exit(2);
}
const { run, terminalProgress } = await import(cli.href);
const progress = terminalProgress(process.stderr, process.env);
process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  ...(progress && { progress }),
});
