/**
 * container-healthchecks: every container can tell Pulumi (and its dependents)
 * when it is ready. The reference stack had containers with no healthcheck,
 * model servers without a start period, and nothing waiting on health (in the reference docker-compose files, sunbangamen/local-ai-suite).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { waitTimeoutSec } from "../lib/plan/health";
import { describeContainer, type ContainerView } from "./support/container-view";
import { isCanonicalGoDuration } from "../lib/durations";
import { DURATION_FIELDS, durationSec, healthcheckSpecOf, probeProblem } from "./support/healthcheck-view";
import { llamaServerArgv } from "./support/llama-server";

export interface HealthchecksConfig {
  /** Services that load a model at start-up, besides llama-server containers (recognised from their argv). */
  modelLoadingServices: string[];
  /** Smallest start period for a model-loading service. */
  minModelStartPeriodSec: number;
}

export function healthcheckProblems(c: ContainerView, config: HealthchecksConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  const h = c.props.healthcheck;
  const probe = probeProblem(h?.tests);
  if (probe) {
    problems.push(
      `${where}: ${probe}, so nothing can wait for it to be ready. ` +
        `Fix: give its ServiceSpec a probe that fails until the service answers (lib/plan/health.ts: curlProbe, pythonProbe, wgetProbe, bashHttpProbe).`,
    );
  }
  if (h) {
    for (const field of DURATION_FIELDS) {
      const text = h[field];
      if (text === undefined) {
        if (field === "interval" || field === "timeout") {
          problems.push(
            `${where}: healthcheck.${field} is not set, so Docker's default applies silently. Fix: set it explicitly with goSeconds().`,
          );
        }
        continue;
      }
      if (!isCanonicalGoDuration(text)) {
        problems.push(
          `${where}: healthcheck.${field} "${text}" is not the canonical Go duration Docker reads back, so every preview shows a diff. ` +
            `Fix: format it with goSeconds()/goDuration() from lib/durations.ts (e.g. "1m30s", "10m0s").`,
        );
      }
    }
    const interval = durationSec(c, "interval");
    const timeout = durationSec(c, "timeout");
    if (interval !== undefined && timeout !== undefined && timeout >= interval) {
      problems.push(
        `${where}: healthcheck.timeout ${h.timeout} is not shorter than its interval ${h.interval}, so probes overlap. Fix: make the timeout shorter than the interval.`,
      );
    }
    if (h.retries !== undefined && h.retries < 1) {
      problems.push(
        `${where}: healthcheck.retries is ${h.retries}; one failed probe marks it unhealthy only with retries >= 1. Fix: set retries to 3 or more.`,
      );
    }
  }
  const loadsModel = llamaServerArgv(c) !== undefined || config.modelLoadingServices.includes(c.service);
  const startPeriod = durationSec(c, "startPeriod") ?? 0;
  if (h && loadsModel && startPeriod < config.minModelStartPeriodSec) {
    problems.push(
      `${where} loads a model at start-up, but its healthcheck start period is ${h.startPeriod ?? "unset"} (< ${config.minModelStartPeriodSec}s), ` +
        `so a slow load counts as failures and Docker may call it unhealthy. Fix: raise the start period to the worst-case load time (inference.<role>.loadTimeoutSec).`,
    );
  }
  if (c.props.wait !== true) {
    problems.push(
      `${where}: wait is not true, so \`pulumi up\` does not wait for it to be healthy and dependents start against a service that is still loading. Fix: set wait: true (components/service.ts does).`,
    );
  } else if (h && !probe) {
    const needed = waitTimeoutSec(healthcheckSpecOf(c));
    if ((c.props.waitTimeout ?? 60) < needed) {
      problems.push(
        `${where}: waitTimeout ${c.props.waitTimeout ?? "60 (default)"}s is shorter than the ${needed}s Docker needs to call it unhealthy (start period + retries x (interval + timeout)), ` +
          `so \`pulumi up\` gives up on a slow but healthy start. Fix: derive it with waitTimeoutSec() from lib/plan/health.ts.`,
      );
    }
  }
  const createSec = c.opts.customTimeouts?.createSeconds ?? 0;
  if (c.props.wait === true && createSec > 0 && createSec <= (c.props.waitTimeout ?? 60)) {
    problems.push(
      `${where}: its create timeout (${createSec}s) is not longer than its waitTimeout (${c.props.waitTimeout ?? 60}s), so Pulumi aborts the create while Docker is still waiting for health. ` +
        `Fix: set customTimeouts.create from createTimeoutSec() in lib/plan/health.ts.`,
    );
  }
  return problems;
}

export const containerHealthchecks: ResourceValidationPolicy = {
  name: "container-healthchecks",
  description:
    "Checks that every container has a real healthcheck with Go-format durations, a start period long enough for model loads, and wait: true.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      modelLoadingServices: { type: "array", items: { type: "string" }, default: [] },
      minModelStartPeriodSec: { type: "integer", minimum: 0, default: 120 },
    },
  },
  validateResource: containerCheck<HealthchecksConfig>(healthcheckProblems, [
    "healthcheck",
    "wait",
    "waitTimeout",
    "command",
    "entrypoints",
  ]),
};
