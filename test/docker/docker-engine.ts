/** A minimal Docker Engine API client over the unix socket: the calls the provider makes, nothing more. */
import * as http from "node:http";

export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";

export function engine<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: DOCKER_SOCKET, method, path, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // plain-text answer
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

export async function engineReachable(): Promise<string | undefined> {
  try {
    const { status, body } = await engine<{ Version: string; ApiVersion: string }>("GET", "/version");
    return status === 200 ? `${body.Version} (API ${body.ApiVersion})` : undefined;
  } catch {
    return undefined;
  }
}

const NS_PER_MS = 1_000_000;

export interface HealthConfig {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/** Creates and starts a container on the host network running `sleep`, with the given healthcheck. */
export async function startWithHealthcheck(image: string, name: string, health: HealthConfig): Promise<string> {
  await engine("DELETE", `/containers/${name}?force=true`);
  const created = await engine<{ Id: string; message?: string }>("POST", `/containers/create?name=${name}`, {
    Image: image,
    Cmd: ["sleep", "3600"],
    Labels: { "local-ai-suite.test": "healthcheck" },
    Healthcheck: {
      Test: health.test,
      Interval: health.intervalMs * NS_PER_MS,
      Timeout: health.timeoutMs * NS_PER_MS,
      StartPeriod: health.startPeriodMs * NS_PER_MS,
      StartInterval: health.startIntervalMs * NS_PER_MS,
      Retries: health.retries,
    },
    // The probe's 127.0.0.1 is then this machine's loopback, where the stand-in listens.
    HostConfig: { NetworkMode: "host" },
  });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await engine("POST", `/containers/${created.body.Id}/start`);
  if (started.status !== 204) throw new Error(`start ${name}: ${started.status} ${JSON.stringify(started.body)}`);
  return created.body.Id;
}

export async function healthStatus(id: string): Promise<string> {
  const { body } = await engine<{ State: { Health?: { Status: string } } }>("GET", `/containers/${id}/json`);
  return body.State.Health?.Status ?? "none";
}

/** Polls until the status is `wanted`; returns the milliseconds it took, or throws with the last status. */
export async function waitForStatus(id: string, wanted: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let status = "";
  while (Date.now() - started < timeoutMs) {
    status = await healthStatus(id);
    if (status === wanted) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`container stayed "${status}" for ${timeoutMs} ms, expected "${wanted}"`);
}

export async function removeContainer(id: string): Promise<void> {
  await engine("DELETE", `/containers/${id}?force=true`);
}
