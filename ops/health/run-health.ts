/**
 * `health`: asks every planned service whether it is ready, all at once, and
 * names for each failure the services it holds back. Nothing stops at the
 * first failure.
 */
import type { StackPlan } from "../../lib/plan/stack-plan";
import { dependentsOf } from "../dependents";
import { describeFetchError } from "../fetch-error";
import type { HealthState, Verdict } from "./readiness";
import { healthTargets, type HealthTarget } from "./targets";

export interface HealthRow {
  service: string;
  /** The URL asked, or "docker healthcheck". */
  checked: string;
  state: HealthState;
  httpStatus?: number;
  latencyMs?: number;
  detail: string;
  /** Services that cannot start (or work) while this one is not up. */
  blocks: string[];
}

export interface HealthDeps {
  /** Endpoint name -> base URL (see resolveEndpoints). */
  urls: Record<string, string>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Docker's view of a container without a published port. */
  containerHealth: (containerName: string) => Promise<Verdict>;
  now?: () => number;
}

export async function checkHealth(plan: StackPlan, deps: HealthDeps): Promise<HealthRow[]> {
  const rows = await Promise.all(healthTargets(plan).map((t) => checkTarget(t, deps)));
  return rows.map((row) => ({ ...row, blocks: row.state === "up" ? [] : dependentsOf(plan.services, row.service) }));
}

async function checkTarget(target: HealthTarget, deps: HealthDeps): Promise<HealthRow> {
  if (target.kind === "container") {
    const verdict = await deps.containerHealth(target.containerName);
    return { service: target.service, checked: `docker healthcheck (${target.containerName})`, ...verdict, blocks: [] };
  }
  const base = deps.urls[target.endpoint];
  if (!base)
    return {
      service: target.service,
      checked: target.endpoint,
      state: "down",
      detail: `no URL for endpoint ${target.endpoint}`,
      blocks: [],
    };
  const url = `${base.replace(/\/$/, "")}${target.readiness.path}`;
  const now = deps.now ?? (() => performance.now());
  const started = now();
  try {
    const response = await (deps.fetch ?? fetch)(url, { signal: AbortSignal.timeout(deps.timeoutMs ?? 5000) });
    const body = await response.text();
    const latencyMs = Math.round(now() - started);
    return {
      service: target.service,
      checked: url,
      httpStatus: response.status,
      latencyMs,
      ...target.readiness.judge(response.status, body),
      blocks: [],
    };
  } catch (error) {
    return {
      service: target.service,
      checked: url,
      state: "down",
      latencyMs: Math.round(now() - started),
      detail: describeFetchError(error),
      blocks: [],
    };
  }
}

/** One line for the end of the report. */
export function healthSummary(rows: HealthRow[]): string {
  const services = [...new Set(rows.map((r) => r.service))];
  const failing = services.filter((s) => rows.some((r) => r.service === s && r.state !== "up"));
  if (!failing.length) return `all ${services.length} services are up`;
  return `${services.length - failing.length} of ${services.length} services up; not up: ${failing.join(", ")}`;
}
