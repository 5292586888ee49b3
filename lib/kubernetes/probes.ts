/**
 * One healthcheck spec, three probes. Docker has one health state; Kubernetes
 * splits it: the startupProbe covers the model load (no other probe runs until
 * it passes), the readinessProbe decides whether the Service sends traffic, and
 * the livenessProbe restarts a container that stops answering. Each is an exec
 * probe running the healthcheck's own command in the container, so what
 * "healthy" means does not change with the target (and NetworkPolicies never
 * see probe traffic).
 */
import { waitTimeoutSec } from "../plan/health";
import type { HealthcheckSpec } from "../plan/service-spec";

export interface ExecProbe {
  exec: { command: string[] };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface ProbeSet {
  startupProbe: ExecProbe;
  readinessProbe: ExecProbe;
  livenessProbe: ExecProbe;
}

/** Docker's test as an exec command: ["CMD", argv...] runs argv, ["CMD-SHELL", s] runs /bin/sh -c s; undefined for NONE or an empty test. */
export function execCommand(test: readonly string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === "CMD" && rest.length > 0) return rest;
  if (kind === "CMD-SHELL" && rest.length > 0) return ["/bin/sh", "-c", rest.join(" ")];
  return undefined;
}

/**
 * - startupProbe: every `startIntervalSec` (Docker's start_interval; the interval when the
 *   plan has none), but never as often as the probe's timeout (the kubelet runs one probe at a
 *   time, so a hung probe would stretch the period and the budget), failing for at most as
 *   long as Docker waits before calling the container
 *   unhealthy (start period + retries x (interval + timeout), lib/plan/health.ts): a slow model
 *   load is not a failure, a load that never finishes restarts the container.
 * - readinessProbe: every interval; `retries` failures in a row take it out of its Service,
 *   one success puts it back (Docker's healthy/unhealthy).
 * - livenessProbe: the same command and thresholds: where Docker would only report
 *   "unhealthy", the kubelet restarts the container.
 * Undefined when the healthcheck has no command (the pack reports that).
 */
export function probesFor(h: HealthcheckSpec): ProbeSet | undefined {
  const command = execCommand(h.test);
  if (!command) return undefined;
  const probe = (periodSeconds: number, failureThreshold: number): ExecProbe => ({
    exec: { command },
    periodSeconds,
    timeoutSeconds: timeout,
    failureThreshold,
    successThreshold: 1,
  });
  const timeout = Math.max(1, Math.ceil(h.timeoutSec));
  const startPeriod = Math.max(timeout + 1, Math.ceil(h.startIntervalSec ?? h.intervalSec));
  const interval = Math.max(timeout + 1, Math.ceil(h.intervalSec));
  const retries = Math.max(1, h.retries);
  return {
    startupProbe: probe(startPeriod, Math.max(1, Math.ceil(waitTimeoutSec(h) / startPeriod))),
    readinessProbe: probe(interval, retries),
    livenessProbe: probe(interval, retries),
  };
}

/** Seconds a startupProbe lets a container take before it is restarted: failureThreshold x periodSeconds. */
export function startupBudgetSec(p: Pick<ExecProbe, "periodSeconds" | "failureThreshold">): number {
  return p.periodSeconds * p.failureThreshold;
}
