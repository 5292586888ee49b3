/** What `health` asks each planned service, and where: its readiness endpoint(s), or Docker for a service without a published port. */
import type { ServiceSpec } from "../../lib/plan/service-spec";
import { portEndpointName, type StackPlan } from "../../lib/plan/stack-plan";
import { httpOk, READINESS, type Readiness } from "./readiness";

export type HealthTarget =
  { kind: "http"; service: string; endpoint: string; readiness: Readiness } | { kind: "container"; service: string; containerName: string };

/** The container healthcheck's probe as (container port, path), when it is an HTTP probe. */
export function healthcheckHttpPath(spec: ServiceSpec): { port: number; path: string } | undefined {
  const text = spec.healthcheck.test.join(" ");
  const url = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^\s'"]*)?/.exec(text);
  if (url) return { port: Number(url[1]), path: url[2] ?? "/" };
  const raw = /\/dev\/tcp\/[^/]+\/(\d+).*?GET (\/\S*) HTTP/.exec(text);
  return raw ? { port: Number(raw[1]), path: raw[2]! } : undefined;
}

/** The plan's name for a service's published port (as in plan.endpoints). */
export function endpointName(spec: ServiceSpec, containerPort: number): string | undefined {
  const i = spec.ports.findIndex((p) => p.internal === containerPort);
  if (i < 0) return undefined;
  return portEndpointName(spec.service, i, containerPort);
}

export function healthTargets(plan: StackPlan): HealthTarget[] {
  return plan.services.flatMap((spec): HealthTarget[] => {
    const known = spec.ports
      .map((p) => endpointName(spec, p.internal)!)
      .filter((name) => READINESS[name])
      .map((endpoint): HealthTarget => ({ kind: "http", service: spec.service, endpoint, readiness: READINESS[endpoint]! }));
    if (known.length) return known;
    const probe = healthcheckHttpPath(spec);
    const endpoint = probe && endpointName(spec, probe.port);
    if (probe && endpoint) return [{ kind: "http", service: spec.service, endpoint, readiness: httpOk(probe.path) }];
    return [{ kind: "container", service: spec.service, containerName: spec.containerName }];
  });
}
