/**
 * Talking to the Docker daemon the docker provider uses, from the program: its
 * `docker:host` config, else DOCKER_HOST, else the local socket. Plain HTTP
 * over a unix socket or TCP; a daemon behind TLS or ssh is not asked
 * (`undefined`), and the provider reports an unreachable daemon itself.
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

/** GET `path` from the daemon: its status and JSON body, or undefined when it cannot be asked. */
export function engineGet<T>(host: string | undefined, path: string, timeoutMs = 2000): Promise<{ status: number; body: T } | undefined> {
  const address = engineAddress(host);
  if (!address || process.env.DOCKER_TLS_VERIFY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const request = http.get({ ...address, path, timeout: timeoutMs }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as T });
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}

/** A GET whose answer is not JSON (a container's log stream), as raw bytes. */
export function engineGetRaw(
  host: string | undefined,
  path: string,
  timeoutMs = 2000,
): Promise<{ status: number; body: Buffer } | undefined> {
  const address = engineAddress(host);
  if (!address || process.env.DOCKER_TLS_VERIFY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const request = http.get({ ...address, path, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}

/** The daemon's API version ("1.41"), for stacks whose docker.engineApiVersion is "auto". */
export async function detectEngineApiVersion(host: string | undefined): Promise<string | undefined> {
  const answer = await engineGet<{ ApiVersion?: unknown }>(host, "/version");
  const version = answer?.body.ApiVersion;
  return typeof version === "string" && /^1\.\d+$/.test(version) ? version : undefined;
}
