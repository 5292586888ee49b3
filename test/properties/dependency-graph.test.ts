/**
 * Properties of the dependency graph (lib/plan/graph.ts) over arbitrary
 * graphs: for a DAG, `topologicalOrder` lists every service once with each
 * dependency before its dependant, whatever order the nodes come in, and
 * ignores dependencies on unknown services; with a cycle it throws a
 * DependencyCycleError naming a real cycle of the graph instead of looping.
 * `criticalPath` follows dependency edges, is the longest chain, and does not
 * depend on the order the nodes come in.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { criticalPath, DependencyCycleError, topologicalOrder, type GraphNode } from "../../lib/plan/graph";

const RUNS = { numRuns: 200 };

const serviceName = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);

/**
 * A DAG: distinct names in a hidden rank order, each node depending on some of
 * the nodes ranked before it (and maybe on a service that does not exist),
 * handed over in a shuffled order.
 */
const dag = fc
  .uniqueArray(serviceName, { minLength: 1, maxLength: 25 })
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      deps: fc.tuple(...names.map((_, i) => fc.subarray(names.slice(0, i)))),
      unknown: fc.array(fc.option(fc.constant("not-a-service"), { nil: undefined }), { minLength: names.length, maxLength: names.length }),
      order: fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }),
    }),
  )
  .map(({ names, deps, unknown, order }) => {
    const byName = new Map(names.map((n, i) => [n, { id: n, dependsOn: [...deps[i]!, ...(unknown[i] ? [unknown[i]!] : [])] }]));
    return order.map((n) => byName.get(n)!) as GraphNode[];
  });

/** A DAG with a cycle added: the names in `cycle` each depend on the next, the last on the first (one name: a self-loop). */
const cyclic = dag.chain((nodes) =>
  fc
    .record({
      nodes: fc.constant(nodes),
      cycle: fc.shuffledSubarray(
        nodes.map((n) => n.id),
        { minLength: 1, maxLength: Math.min(nodes.length, 6) },
      ),
    })
    .map(({ nodes, cycle }) => {
      const copy = nodes.map((n) => ({ id: n.id, dependsOn: [...n.dependsOn] }));
      cycle.forEach((id, i) => copy.find((n) => n.id === id)!.dependsOn.push(cycle[(i + 1) % cycle.length]!));
      return { nodes: copy, cycle };
    }),
);

const edges = (nodes: GraphNode[]) => new Set(nodes.flatMap((n) => n.dependsOn.map((d) => `${n.id}->${d}`)));

describe("topologicalOrder, for arbitrary dependency graphs", () => {
  it("a DAG: every service once, every dependency before its dependant, unknown dependencies ignored", () => {
    fc.assert(
      fc.property(dag, (nodes) => {
        const order = topologicalOrder(nodes);
        expect([...order].sort()).toEqual(nodes.map((n) => n.id).sort());
        const position = new Map(order.map((id, i) => [id, i]));
        for (const n of nodes)
          for (const d of n.dependsOn)
            if (position.has(d)) expect(position.get(d)!, `${d} before ${n.id}`).toBeLessThan(position.get(n.id)!);
      }),
      RUNS,
    );
  });

  it("a cycle: throws DependencyCycleError naming a real cycle (each service depends on the next), and does not loop", () => {
    fc.assert(
      fc.property(cyclic, ({ nodes }) => {
        let error: unknown;
        try {
          topologicalOrder(nodes);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DependencyCycleError);
        const cycle = (error as DependencyCycleError).cycle;
        expect(cycle.length).toBeGreaterThanOrEqual(2);
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        const graph = edges(nodes);
        for (let i = 0; i + 1 < cycle.length; i++)
          expect(graph.has(`${cycle[i]}->${cycle[i + 1]}`), `${cycle[i]} depends on ${cycle[i + 1]}`).toBe(true);
        expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1); // a simple cycle, each service once
        for (const id of cycle) expect((error as Error).message).toContain(id);
        // criticalPath orders by the same graph, so it reports the cycle too rather than looping.
        expect(() => criticalPath(nodes, () => 1)).toThrow(DependencyCycleError);
      }),
      RUNS,
    );
  });
});

describe("criticalPath, for arbitrary DAGs and costs", () => {
  it("is a chain of dependency edges, its seconds are its costs' sum and the longest chain's, whatever the node order", () => {
    fc.assert(
      fc.property(dag, fc.func(fc.integer({ min: 0, max: 900 })), (nodes, costOf) => {
        const cost = (id: string) => costOf(id);
        const path = criticalPath(nodes, cost);
        const graph = edges(nodes);
        for (let i = 0; i + 1 < path.chain.length; i++) expect(graph.has(`${path.chain[i + 1]}->${path.chain[i]}`)).toBe(true);
        expect(path.seconds).toBe(path.chain.reduce((sum, id) => sum + cost(id), 0));
        // Brute force: the longest chain ending at each service.
        const byId = new Map(nodes.map((n) => [n.id, n]));
        const longest = new Map<string, number>();
        const walk = (id: string): number => {
          if (!longest.has(id))
            longest.set(
              id,
              cost(id) +
                Math.max(
                  0,
                  ...byId
                    .get(id)!
                    .dependsOn.filter((d) => byId.has(d))
                    .map(walk),
                ),
            );
          return longest.get(id)!;
        };
        expect(path.seconds).toBe(Math.max(...nodes.map((n) => walk(n.id))));
        // The engine hands the pack resources in no fixed order: the answer must not depend on it.
        expect(criticalPath([...nodes].reverse(), cost)).toEqual(path);
      }),
      RUNS,
    );
  });
});
