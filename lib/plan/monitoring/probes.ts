/** Probes for monitoring images the shared builders do not cover. */
import { wgetProbe } from "../health";
import type { HealthcheckSpec } from "../service-spec";

/** Loki's distroless image keeps busybox at /busybox; call wget by its path rather than rely on PATH. */
export function busyboxWgetProbe(url: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  const probe = wgetProbe(url, timing);
  return { ...probe, test: ["CMD", "/busybox/wget", ...probe.test.slice(2)] };
}
