/** graph: the Mermaid flowchart has every planned service and every health-gated edge, for p2 and p3. */
import { describe, expect, it } from "vitest";
import { mermaidId, renderMermaid } from "../../ops/mermaid";
import { planOf } from "./support/plans";

/** Node definitions and edges as Mermaid reads them. */
function parseChart(chart: string) {
  const nodes = new Map<string, string>();
  const edges: [string, string, string][] = [];
  for (const line of chart.split("\n").map((l) => l.trim())) {
    const node = /^([A-Za-z0-9_]+)\["([^"]*)"\]$/.exec(line);
    if (node && !line.startsWith("subgraph")) nodes.set(node[1]!, node[2]!);
    const edge = /^([A-Za-z0-9_]+) -->\|([^|]+)\| ([A-Za-z0-9_]+)$/.exec(line);
    if (edge) edges.push([edge[1]!, edge[3]!, edge[2]!]);
  }
  return { nodes, edges };
}

describe.each(["p2", "p3"])("graph of %s", (stack) => {
  it("has a node per planned service labelled with its host ports, and an edge per dependsOn", async () => {
    const plan = await planOf(stack);
    const chart = renderMermaid(plan);
    expect(chart.split("\n")[0]).toBe("flowchart LR");
    const { nodes, edges } = parseChart(chart);
    expect([...nodes.keys()].sort()).toEqual(plan.services.map((s) => mermaidId(s.service)).sort());
    for (const s of plan.services) {
      const label = nodes.get(mermaidId(s.service))!;
      expect(label.startsWith(`${s.service}<br/>`)).toBe(true);
      for (const p of s.ports) expect(label).toContain(`:${p.external}`);
    }
    const expected = plan.services.flatMap((s) => s.dependsOn.map((d) => [mermaidId(d), mermaidId(s.service), "health-gated"]));
    expect(edges.sort()).toEqual(expected.sort());
    expect(edges.length).toBeGreaterThan(0);
  });
});

it("p3's chart has more services than p2's (MCP, memory, monitoring)", async () => {
  const p2 = parseChart(renderMermaid(await planOf("p2"))).nodes;
  const p3 = parseChart(renderMermaid(await planOf("p3"))).nodes;
  for (const id of p2.keys()) expect(p3.has(id)).toBe(true);
  expect(p3.has("memory_api")).toBe(true);
  expect(p3.has("mcp_server")).toBe(true);
});
