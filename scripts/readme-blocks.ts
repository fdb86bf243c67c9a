/** Where the generated field reference of each document kind lives; README.md unless a guide owns it. */
export function referenceFile(kind: string): string {
  return kind === "GitOps" ? "docs/gitops.md" : "README.md";
}

/** The markers around a generated block, and its replacement. */
export function generatedBlock(name: string, body: string): string {
  return `<!-- generated: ${name} (npm run docs) -->\n${body}<!-- end generated: ${name} -->`;
}

export function replaceGeneratedBlock(text: string, name: string, block: string): string {
  const start = text.indexOf(`<!-- generated: ${name} `);
  const endMarker = `<!-- end generated: ${name} -->`;
  const end = text.indexOf(endMarker);
  if (start === -1 || end === -1) throw new Error(`no generated block for ${name}: add the two marker lines where its table belongs`);
  return text.slice(0, start) + block + text.slice(end + endMarker.length);
}
