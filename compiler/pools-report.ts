import type { ComponentSpread, DirectoryUse, Holder, Inventory, PoolUse } from "./placement/inventory.js";

/** `clusterc pools` output: for a terminal, a pull-request comment, or a script. */
export type PoolsFormat = "text" | "markdown" | "json";

export function formatPools(inventory: Inventory, format: PoolsFormat): string {
  switch (format) {
    case "json": return JSON.stringify(inventory, null, 2) + "\n";
    case "markdown": return markdown(inventory);
    case "text": return text(inventory);
  }
}

function holderText(holder: Holder | undefined): string {
  if (!holder) return "free";
  const who = `${holder.cluster} ${holder.component}-${holder.ordinal}`;
  return holder.state === "bound" ? who : `released: ${who}, keeps the data of claim ${holder.claim}`;
}

function summary(pool: PoolUse): string {
  const directories = pool.bound + pool.released + pool.free;
  return `${pool.nodes.length} node(s), ${directories} director${directories === 1 ? "y" : "ies"}: ${pool.bound} bound, ${pool.released} released, ${pool.free} free`;
}

function roomText(pool: PoolUse): string {
  if (pool.room.length === 0) return "no free directory";
  return pool.room.map((r) => `${r.nodes} node(s) with a free directory of ${r.capacity} or more`).join("; ");
}

function capacityText(directory: DirectoryUse): string {
  return directory.capacity ?? "not in the pool any more";
}

function spreadText(spread: ComponentSpread): string {
  const bound = spread.replicas.filter((r) => r.state === "bound").length;
  return `${bound} replica(s) on ${spread.nodes} node(s)${spread.zones > 0 ? ` in ${spread.zones} zone(s)` : ""}`;
}

function text(inventory: Inventory): string {
  const lines: string[] = [];
  for (const pool of inventory.pools) {
    lines.push(`pool ${pool.name}: ${summary(pool)}`, `  room: ${roomText(pool)}`);
    for (const node of pool.nodes) {
      lines.push(`  node ${node.name}${node.zone === undefined ? "" : ` (zone ${node.zone})`}`);
      const width = Math.max(...node.directories.map((d) => d.path.length));
      for (const d of node.directories) lines.push(`    ${d.path.padEnd(width)}  ${capacityText(d).padEnd(6)}  ${holderText(d.holder)}`);
    }
  }
  if (inventory.pools.length === 0) lines.push("no HostPathPool in clusters/");
  for (const cluster of inventory.clusters) {
    lines.push(`cluster ${cluster.cluster}`);
    for (const spread of cluster.components) {
      const where = spread.replicas.map((r) => `${spread.component}-${r.ordinal} ${r.pool}/${r.node}${r.zone === undefined ? "" : ` (${r.zone})`}${r.state === "released" ? " released" : ""}`);
      lines.push(`  ${spread.component}: ${spreadText(spread)}: ${where.join(", ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Markdown-table cells hold no pipes or line breaks. */
function cell(value: string): string {
  return value.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

function markdown(inventory: Inventory): string {
  const lines: string[] = ["## hostPath pools", ""];
  if (inventory.pools.length === 0) lines.push("No HostPathPool in `clusters/`.", "");
  for (const pool of inventory.pools) {
    lines.push(`### Pool \`${pool.name}\``, "", `${summary(pool)}. Room for new volumes: ${roomText(pool)}.`, "",
      row(["node", "zone", "directory", "capacity", "held by"]), row(["---", "---", "---", "---", "---"]));
    for (const node of pool.nodes) {
      for (const d of node.directories) lines.push(row([node.name, node.zone ?? "", d.path, capacityText(d), holderText(d.holder)]));
    }
    lines.push("");
  }
  if (inventory.clusters.length > 0) {
    lines.push("### Spread of each cluster's replicas", "", row(["cluster", "component", "spread", "replicas"]), row(["---", "---", "---", "---"]));
    for (const cluster of inventory.clusters) {
      for (const spread of cluster.components) {
        const where = spread.replicas.map((r) => `${r.ordinal}: ${r.node}${r.zone === undefined ? "" : ` (${r.zone})`}${r.state === "released" ? " released" : ""}`);
        lines.push(row([cluster.cluster, spread.component, spreadText(spread), where.join(", ")]));
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}
