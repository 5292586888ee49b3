/**
 * `cpus` in the spelling the docker provider reads back (lib/docker/read-back.ts),
 * checked against Go's big.Rat formatting in the provider's own algorithm
 * (test/support/go-cpus/main.go): any other spelling replaces the container on
 * every `up`, since `cpus` forces a new container.
 */
import { describe, expect, it } from "vitest";
import { dockerCpus } from "../lib/docker/read-back";
import { runGoProgram } from "./support/go-program";
import { containers, runStackFile } from "./support/pulumi-harness";

const providerSpelling = (lines: string[]) => runGoProgram("go-cpus", lines);

/** Whole counts (one and two digits: "4.0" but "10."), halves, quarters, odd fractions and the nine-decimal limit. */
const EDGES = [0.001, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3.3, 4, 6, 8, 9.5, 10, 11, 12.25, 16, 20, 32, 64, 100, 1.000000001, 123.456789];

describe("dockerCpus", () => {
  it("spells every edge case as the provider does", () => {
    const expected = providerSpelling(EDGES.map(String));
    expect(EDGES.map((cpus) => `${cpus} -> ${dockerCpus(cpus)}`)).toEqual(EDGES.map((cpus, i) => `${cpus} -> ${expected[i]}`));
  });

  it.each(["p2", "p3"])("spells every container's cpus in %s as the provider does", async (stack) => {
    const captured = await runStackFile(stack);
    const written = containers(captured).map((c) => ({ name: String(c.inputs.name), cpus: String(c.inputs.cpus) }));
    expect(written.length).toBeGreaterThan(3);
    // The spec's number, back through the provider's spelling, is what the program wrote.
    const expected = providerSpelling(written.map((w) => String(Number(w.cpus))));
    expect(written.map((w) => `${w.name}: ${w.cpus}`)).toEqual(written.map((w, i) => `${w.name}: ${expected[i]}`));
  });
});
