/** HTTP stand-ins on 127.0.0.1 (random ports) for the services the operations tasks talk to. */
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export type Handler = (
  req: http.IncomingMessage,
  body: Buffer,
) => { status: number; body?: string | Buffer; headers?: Record<string, string> };

export interface StandIn {
  port: number;
  url: string;
  /** Requests seen, as "METHOD /path". */
  seen: string[];
  close(): Promise<void>;
}

export async function standIn(handler: Handler): Promise<StandIn> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url}`);
      const r = handler(req, Buffer.concat(chunks));
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers }).end(r.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Stand-in answering fixed (status, JSON body) per path; 404 otherwise. */
export function routes(table: Record<string, [number, unknown]>): Handler {
  return (req) => {
    const hit = table[(req.url ?? "").split("?")[0]!];
    return hit
      ? { status: hit[0], body: typeof hit[1] === "string" ? hit[1] : JSON.stringify(hit[1]) }
      : { status: 404, body: "not found" };
  };
}

/** Ports nothing listens on right now (bound, then released). */
export async function closedPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
