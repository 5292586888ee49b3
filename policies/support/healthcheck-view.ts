/** A container's healthcheck read back into seconds, and whether its probe can fail at all. */
import { parseGoDuration } from "../../lib/durations";
import type { HealthcheckSpec } from "../../lib/plan/service-spec";
import type { ContainerView } from "./container-view";

export const DURATION_FIELDS = ["interval", "timeout", "startPeriod", "startInterval"] as const;
export type DurationField = (typeof DURATION_FIELDS)[number];

/** Commands that exit 0 whatever the service does. */
const ALWAYS_PASSES = /^\s*(true|\/bin\/true|:|exit\s+0|echo(\s.*)?|sleep\s+\S+)\s*$|(\|\||;)\s*(true|:|exit\s+0)\s*$/;

/** Why the probe is not a real test, or undefined when it is one. */
export function probeProblem(tests: readonly string[] | undefined): string | undefined {
  if (!tests || tests.length === 0) return "it has no healthcheck";
  const [kind, ...rest] = tests;
  if (kind === "NONE") return 'its healthcheck is disabled (["NONE"])';
  if (kind !== "CMD" && kind !== "CMD-SHELL") return `its healthcheck test starts with "${kind}", not "CMD" or "CMD-SHELL"`;
  if (rest.length === 0 || rest.every((t) => t.trim() === "")) return "its healthcheck test has no command";
  if (ALWAYS_PASSES.test(scriptOf(kind, rest))) return `its healthcheck "${rest.join(" ")}" always passes`;
  return undefined;
}

/** What the probe runs, as one shell line: CMD-SHELL's string, `sh -c`'s script, or the CMD argv joined. */
function scriptOf(kind: string, rest: string[]): string {
  if (kind === "CMD-SHELL") return rest.join(" ");
  if (/(^|\/)(sh|bash)$/.test(rest[0]!) && rest[1] === "-c") return rest.slice(2).join(" ");
  return [rest[0]!.replace(/^.*\//, ""), ...rest.slice(1)].join(" ");
}

/** True when the container has a probe that can fail (what a health-gated dependent relies on). */
export function hasRealHealthcheck(c: ContainerView): boolean {
  return probeProblem(c.props.healthcheck?.tests) === undefined;
}

/** Seconds of one duration field, or undefined when absent or malformed. */
export function durationSec(c: ContainerView, field: DurationField): number | undefined {
  const text = c.props.healthcheck?.[field];
  if (typeof text !== "string") return undefined;
  const ms = parseGoDuration(text);
  return ms === undefined ? undefined : ms / 1000;
}

/** The healthcheck as the plan's HealthcheckSpec (Docker's defaults for absent fields), for lib's timing rules. */
export function healthcheckSpecOf(c: ContainerView): HealthcheckSpec {
  return {
    test: c.props.healthcheck?.tests ?? [],
    intervalSec: durationSec(c, "interval") ?? 30,
    timeoutSec: durationSec(c, "timeout") ?? 30,
    retries: c.props.healthcheck?.retries ?? 3,
    startPeriodSec: durationSec(c, "startPeriod") ?? 0,
    startIntervalSec: durationSec(c, "startInterval") ?? 5,
  };
}
