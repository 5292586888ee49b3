/** Probes for monitoring images the shared builders do not cover. */
import { wgetProbe } from "../health";
import type { HealthcheckSpec } from "../service-spec";

/**
 * Loki's image is distroless since 3.6.0: no shell, busybox or wget, only the
 * loki binary (lib/image-runtime.ts). Its own `-health` mode GETs the URL and
 * exits 0 only on a 200, the probe grafana/loki#20313 added for this.
 */
export function lokiHealthProbe(url: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  const probe = wgetProbe(url, timing);
  return { ...probe, test: ["CMD", "/usr/bin/loki", "-health", `-health.url=${url}`] };
}
