/** The service dependency graph: order, cycles, and the startup critical path. */

export interface GraphNode {
  id: string;
  dependsOn: string[];
}

export class DependencyCycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`dependency cycle: ${cycle.join(" -> ")}`);
    this.name = "DependencyCycleError";
  }
}

/** Dependencies first. Throws DependencyCycleError naming the cycle; unknown dependencies are ignored here. */
export function topologicalOrder(nodes: GraphNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new DependencyCycleError([...trail.slice(trail.indexOf(id)), id]);
    state.set(id, "visiting");
    for (const dep of byId.get(id)?.dependsOn ?? []) if (byId.has(dep)) visit(dep, [...trail, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const node of nodes) visit(node.id, []);
  return order;
}

export interface CriticalPath {
  /** Services along the longest chain, first to start first. */
  chain: string[];
  seconds: number;
}

/**
 * The longest chain of health-gated starts, weighting each service by `cost`
 * (e.g. its start period plus one probe interval). Assumes no cycles. Of equally
 * long chains the one whose names sort first wins, so the answer does not depend
 * on the order the nodes come in (the engine hands the pack resources in no fixed order).
 */
export function criticalPath(nodes: GraphNode[], cost: (id: string) => number): CriticalPath {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const best = new Map<string, CriticalPath>();
  const longer = (a: CriticalPath, b: CriticalPath) => (b.seconds > a.seconds || (b.seconds === a.seconds && b.chain.join("\0") < a.chain.join("\0")) ? b : a);
  for (const id of topologicalOrder(nodes)) {
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => best.has(d)).map((d) => best.get(d)!);
    const longest = deps.reduce<CriticalPath | undefined>((a, b) => (a ? longer(a, b) : b), undefined) ?? { chain: [], seconds: 0 };
    best.set(id, { chain: [...longest.chain, id], seconds: longest.seconds + cost(id) });
  }
  return [...best.values()].reduce<CriticalPath | undefined>((a, b) => (a ? longer(a, b) : b), undefined) ?? { chain: [], seconds: 0 };
}
