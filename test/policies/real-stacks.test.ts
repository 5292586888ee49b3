/** The committed stacks, under their committed policy config, pass every mandatory policy. */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { loadPackConfig, mandatory, runPolicies, type Violation } from "./harness";

for (const stack of ["p2", "p2-router", "p3"] as const) {
  describe(`real ${stack} stack`, () => {
    let captured: CapturedStack;
    let violations: Violation[];
    beforeAll(async () => {
      captured = await runStackFile(stack);
      violations = await runPolicies(captured, loadPackConfig(stack));
    });

    it("produces no mandatory violation", () => {
      expect(mandatory(violations).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("reports only the startup critical path, as advisory", () => {
      console.log(violations);
      expect(violations.map((v) => [v.policy, v.level])).toEqual([["startup-critical-path-report", "advisory"]]);
    });
  });
}
