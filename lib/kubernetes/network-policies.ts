/**
 * Who may connect to whom. On Docker every container on the stack network
 * reaches every other; on Kubernetes the stack's pods deny all ingress by
 * default and each service admits, on its own ports, exactly the services
 * that declare it in `dependsOn` (the same edges that order creation and that
 * lib/plan/caller-keys.ts checks keys along), plus Prometheus on its metrics
 * port. Probes are exec probes, so they need no rule.
 */
import { PROMETHEUS } from "../plan/monitoring/endpoints";
import type { ServiceSpec } from "../plan/service-spec";

export interface IngressRule {
  /** Services admitted. */
  from: string[];
  ports: number[];
  why: "declared caller" | "metrics scrape";
}

/** Ports the service listens on for others: its published ports and its metrics port (an exporter publishes none). */
export function servicePorts(spec: ServiceSpec): number[] {
  return [...new Set([...spec.ports.map((p) => p.internal), ...(spec.metrics ? [spec.metrics.port] : [])])];
}

/** The services that declare `service` in their dependsOn. */
export function callersOf(services: readonly ServiceSpec[], service: string): string[] {
  return services.filter((s) => s.dependsOn.includes(service)).map((s) => s.service);
}

/** The ingress each service admits; empty for one nobody calls or scrapes (the default deny then holds). */
export function ingressRules(services: readonly ServiceSpec[]): Map<string, IngressRule[]> {
  const scraper = services.find((s) => s.service === PROMETHEUS.service);
  const rules = new Map<string, IngressRule[]>();
  for (const spec of services) {
    const own: IngressRule[] = [];
    const callers = callersOf(services, spec.service);
    const ports = servicePorts(spec);
    if (callers.length && ports.length) own.push({ from: callers, ports, why: "declared caller" });
    if (scraper && spec.metrics && scraper.service !== spec.service && !callers.includes(scraper.service)) {
      own.push({ from: [scraper.service], ports: [spec.metrics.port], why: "metrics scrape" });
    }
    rules.set(spec.service, own);
  }
  return rules;
}
