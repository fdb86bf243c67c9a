// Bundles the compiled CLI (dist/compiler/) into dist/cli/, which bin/clusterc.js runs. Node loads
// the compiler, zod, yaml and fast-glob as ~200 separate ES and CommonJS modules, about 200 ms of
// every run; as one module it takes about 120 ms. Each OpenAPI model stays in a chunk of its own,
// loaded only when a run validates an object of its kind.
import { build } from "esbuild";

await build({
  entryPoints: ["dist/compiler/cli.js"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // yaml and fast-glob are CommonJS and require Node's built-in modules, which an ES module can only do through createRequire.
  banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  logLevel: "warning",
});
