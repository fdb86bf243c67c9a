// The floor for `render`: a fresh process that does nothing but serialise the same objects with
// JSON.stringify and write each into a new file of an empty tree. Reading the objects is not timed.
// usage: node dist/bench/json-floor.js OBJECTS.json OUT_DIR   (prints {"seconds": N})
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [objectsFile, outDir] = process.argv.slice(2);
if (!objectsFile || !outDir) throw new Error("usage: json-floor.js OBJECTS.json OUT_DIR");
const objects = JSON.parse(readFileSync(objectsFile, "utf8")) as [file: string, object: unknown][];

const start = performance.now();
for (const dir of new Set(objects.map(([file]) => path.dirname(path.join(outDir, file))))) mkdirSync(dir, { recursive: true });
for (const [file, object] of objects) writeFileSync(path.join(outDir, file), JSON.stringify(object));
process.stdout.write(JSON.stringify({ seconds: (performance.now() - start) / 1000 }) + "\n");
