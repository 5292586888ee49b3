/** Who waits on whom: the services a failing one holds back, through the health-gated dependsOn edges. */
import type { ServiceSpec } from "../lib/plan/service-spec";

/** Every service that depends on `service`, directly or through others, in start order. */
export function dependentsOf(services: ServiceSpec[], service: string): string[] {
  const blocked = new Set<string>([service]);
  // `services` is in start order, so one pass sees every dependency before its dependents.
  for (const s of services) if (s.dependsOn.some((d) => blocked.has(d))) blocked.add(s.service);
  blocked.delete(service);
  return services.map((s) => s.service).filter((name) => blocked.has(name));
}
