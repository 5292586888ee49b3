/** Every local build context the stack uses, with its Dockerfile: a missing one names the service and the fix. */
import * as path from "node:path";
import { buildContexts, missingContextFix } from "../../lib/plan/build-contexts";
import type { StackPlan } from "../../lib/plan/stack-plan";
import type { CheckResult } from "./check-result";
import type { HostProbe } from "./host-probe";

export async function buildContextChecks(plan: StackPlan, probe: HostProbe): Promise<CheckResult[]> {
  return Promise.all(
    buildContexts(plan).map(async (b): Promise<CheckResult> => {
      const check = `build context (${b.service})`;
      const context = await probe.stat(b.context);
      const dockerfile = await probe.stat(b.dockerfile);
      if (context.exists && context.isDirectory && dockerfile.exists)
        return { check, target: b.context, status: "ok", detail: `${path.relative(b.context, b.dockerfile)} (${b.configKey})` };
      const what = !context.exists
        ? "missing"
        : !context.isDirectory
          ? "not a directory"
          : `has no ${path.relative(b.context, b.dockerfile)}`;
      return { check, target: b.context, status: "fail", detail: `${what} (${b.configKey})`, fix: missingContextFix(b) };
    }),
  );
}
