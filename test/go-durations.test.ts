/**
 * Every duration the stacks hand the Docker provider, round-tripped through Go's
 * own time.ParseDuration and Duration.String(): what the provider writes back to
 * state. Any difference would show as a change on every preview.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runGoProgram } from "./support/go-program";
import { containers, runStackFile, type CapturedStack } from "./support/pulumi-harness";

const goRoundTrip = (lines: string[]) => runGoProgram("go-duration", lines);

function durationsOf(stack: CapturedStack): { where: string; value: string }[] {
  return containers(stack).flatMap((c) => {
    const h = c.inputs.healthcheck ?? {};
    const fields = ["interval", "timeout", "startPeriod", "startInterval"].filter((f) => h[f] !== undefined);
    return [
      ...fields.map((f) => ({ where: `${c.inputs.name}.healthcheck.${f}`, value: String(h[f]) })),
      { where: `${c.inputs.name} customTimeouts.create`, value: String(c.options.customTimeouts?.create) },
    ];
  });
}

describe.each(["p2", "p3"])("%s durations survive Go's round trip unchanged", (stack) => {
  let captured: CapturedStack;
  beforeAll(async () => {
    // An engine with start_interval (API 1.44), so that every duration field is emitted.
    captured = await runStackFile(stack, { docker: { engineApiVersion: "1.44" } });
  });

  it("every healthcheck and create timeout is canonical Go", () => {
    const durations = durationsOf(captured);
    expect(durations.length).toBeGreaterThanOrEqual(containers(captured).length * 5);
    const readBack = goRoundTrip(durations.map((d) => d.value));
    const changed = durations
      .map((d, i) => ({ ...d, readBack: readBack[i] }))
      .filter((d) => d.readBack !== d.value)
      .map((d) => `${d.where}: ${d.value} -> ${d.readBack}`);
    expect(changed).toEqual([]);
  });
});

it("the check itself catches spellings Docker would rewrite", () => {
  const [sixty, ninety, ten, canonical, spaced] = goRoundTrip(["60s", "90s", "10m", "1m30s", "5 s"]);
  expect([sixty, ninety, ten, canonical]).toEqual(["1m0s", "1m30s", "10m0s", "1m30s"]);
  expect(spaced).toMatch(/^error: /);
});
