/** Healthcheck probes per image, and the timing rules derived from them. */
import type { HealthcheckSpec } from "./service-spec";

/** Defaults for a service that is ready within a minute or two. */
const QUICK = { intervalSec: 30, timeoutSec: 5, retries: 3, startPeriodSec: 120, startIntervalSec: 2 };

/** curl exists in the llama.cpp and Grafana images; -f turns llama.cpp's 503 "Loading model" into a failure. */
export function curlProbe(url: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  return { ...QUICK, ...timing, test: ["CMD", "curl", "-fsS", "--max-time", "4", "-o", "/dev/null", url] };
}

/** Python images (LiteLLM, the custom FastAPI services): urlopen raises on non-2xx. */
export function pythonProbe(url: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  const code = `import urllib.request; urllib.request.urlopen('${url}', timeout=4)`;
  return { ...QUICK, ...timing, test: ["CMD", "python", "-c", code] };
}

/** Python probe that also requires a JSON field to be true (e.g. embedding's `ok` once the model is loaded). */
export function pythonJsonProbe(url: string, field: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  const code = `import json, sys, urllib.request; sys.exit(0 if json.load(urllib.request.urlopen('${url}', timeout=4)).get('${field}') is True else 1)`;
  return { ...QUICK, ...timing, test: ["CMD", "python", "-c", code] };
}

/**
 * Images with bash but no curl or wget (Qdrant, DCGM exporter): a real HTTP GET
 * over bash's /dev/tcp, healthy only on a 200 status line.
 */
export function bashHttpProbe(port: number, path: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  const script =
    `exec 3<>/dev/tcp/127.0.0.1/${port} && ` +
    `printf 'GET ${path} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && ` +
    `IFS= read -r -t 4 status <&3 && [[ "$status" == *" 200 "* ]]`;
  return { ...QUICK, ...timing, test: ["CMD", "bash", "-c", script] };
}

/** Node images (this repository's services): a probe script in the image that exits 0 only when the service can serve. */
export function nodeProbe(script: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  return { ...QUICK, ...timing, test: ["CMD", "node", script] };
}

/** Busybox images (Prometheus, Alertmanager, node-exporter, cAdvisor): wget -q -O /dev/null fails on non-2xx. Loki: lokiHealthProbe. */
export function wgetProbe(url: string, timing: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  return { ...QUICK, ...timing, test: ["CMD", "wget", "-q", "-T", "4", "-O", "/dev/null", url] };
}

/**
 * Seconds until Docker would call the container unhealthy: the start period,
 * then `retries` failed probes. `pulumi up` waits that long, and no longer.
 */
export function waitTimeoutSec(h: HealthcheckSpec): number {
  return Math.ceil(h.startPeriodSec + h.retries * (h.intervalSec + h.timeoutSec));
}

/** Create timeout for Pulumi: the health wait plus room for container creation itself. */
export function createTimeoutSec(h: HealthcheckSpec): number {
  return waitTimeoutSec(h) + 300;
}
