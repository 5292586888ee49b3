/**
 * The API version of the Docker daemon the docker provider will talk to, for
 * stacks whose docker.engineApiVersion is "auto". Same address as the
 * provider: its `docker:host` config, else DOCKER_HOST, else the local socket.
 * Undefined when the daemon cannot be asked (TLS, ssh, not running): the plan
 * then assumes the oldest supported engine, and the provider reports an
 * unreachable daemon itself.
 */
import * as http from "node:http";

export interface EngineAddress {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Where `host` (a `docker:host` / DOCKER_HOST value) points, when it can be asked over plain HTTP. */
export function engineAddress(host: string | undefined): EngineAddress | undefined {
  if (!host) return { socketPath: "/var/run/docker.sock" };
  const unix = /^unix:\/\/(\/.+)$/.exec(host);
  if (unix) return { socketPath: unix[1] };
  const tcp = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (tcp) return { host: tcp[1], port: Number(tcp[2] ?? 2375) };
  return undefined;
}

export function detectEngineApiVersion(host: string | undefined, timeoutMs = 2000): Promise<string | undefined> {
  const address = engineAddress(host);
  if (!address || process.env.DOCKER_TLS_VERIFY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const request = http.get({ ...address, path: "/version", timeout: timeoutMs }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => {
        try {
          const version = (JSON.parse(body) as { ApiVersion?: unknown }).ApiVersion;
          resolve(typeof version === "string" && /^1\.\d+$/.test(version) ? version : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}
