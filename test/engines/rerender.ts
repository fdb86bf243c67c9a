import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { runCli, tempProject, type RenderedObject } from "../helpers.js";

/**
 * A cluster's history in a throw-away project: each step writes its spec file and renders, as a
 * pull request does, so a test sees what a later render makes of what an earlier one recorded.
 */
export async function withSpecProject(file: string, steps: (render: (text: string) => ReturnType<typeof renderSpec>, root: string) => Promise<void>): Promise<void> {
  const project = await tempProject({ [file]: "" });
  try {
    await steps((text) => renderSpec(project.root, file, text), project.root);
  } finally {
    await project.cleanup();
  }
}

async function renderSpec(root: string, file: string, text: string) {
  await writeFile(path.join(root, file), text);
  const result = await runCli(["render"], root);
  return { ...result, files: await readTree(path.join(root, "rendered")) };
}

/** The rendered object of a kind and name, wherever its stage folder is. */
export function objectIn(files: ReadonlyMap<string, string>, kind: string, name: string): RenderedObject {
  const file = [...files.keys()].find((f) => path.basename(f) === `${kind.toLowerCase()}-${name}.yaml`);
  assert.ok(file, `no ${kind} ${name}`);
  return parse(files.get(file)!) as RenderedObject;
}
