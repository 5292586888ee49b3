/**
 * The Docker Engine API calls the healer needs, and no others: list this
 * stack's unhealthy containers, follow their health events, restart one.
 * Over the unix socket, plain HTTP (API version left to the daemon).
 */
import * as http from "node:http";

export interface UnhealthyContainer {
  id: string;
  name: string;
  service: string;
  /** Seconds Docker waits between SIGTERM and SIGKILL when the healer restarts it. */
  stopGraceSec: number;
}

interface ListedContainer {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
}

function request(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, timeout: 120_000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`Docker API ${method} ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export class DockerApi {
  private readonly socketPath: string;
  private readonly stack: string;
  private readonly optInLabel: string;

  constructor(socketPath: string, stack: string, optInLabel: string) {
    this.socketPath = socketPath;
    this.stack = stack;
    this.optInLabel = optInLabel;
  }

  private filters(extra: Record<string, string[]> = {}): string {
    return encodeURIComponent(JSON.stringify({ label: [`local-ai-suite.stack=${this.stack}`, `${this.optInLabel}=true`], ...extra }));
  }

  private toContainer(c: ListedContainer): UnhealthyContainer {
    return {
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      service: c.Labels["local-ai-suite.service"] ?? "",
      // The plan's grace for a restart because of ill health, else its stop grace.
      stopGraceSec: Number(c.Labels["local-ai-suite.heal-stop-grace-sec"] ?? c.Labels["local-ai-suite.stop-grace-sec"] ?? "10"),
    };
  }

  async unhealthy(): Promise<UnhealthyContainer[]> {
    const res = await request(this.socketPath, "GET", `/containers/json?filters=${this.filters({ health: ["unhealthy"] })}`);
    if (res.status !== 200) throw new Error(`listing unhealthy containers: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return (JSON.parse(res.body) as ListedContainer[]).map((c) => this.toContainer(c));
  }

  async restart(c: UnhealthyContainer): Promise<void> {
    const res = await request(this.socketPath, "POST", `/containers/${c.id}/restart?t=${Math.round(c.stopGraceSec)}`);
    if (res.status !== 204) throw new Error(`restarting ${c.name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  }

  /** Calls `onUnhealthy` for every health_status: unhealthy event of an opted-in container, until `signal` aborts. */
  follow(
    onUnhealthy: (c: UnhealthyContainer) => void,
    onEnd: (error?: Error) => void,
    onMalformed: (line: string) => void = () => undefined,
  ): () => void {
    const path = `/events?filters=${this.filters({ type: ["container"], event: ["health_status"] })}`;
    const req = http.request({ socketPath: this.socketPath, method: "GET", path }, (res) => {
      let buffer = "";
      res.on("data", (chunk) => {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          if (!line.trim()) continue;
          let event: { status?: string; Action?: string; id?: unknown; Actor?: { Attributes?: Record<string, string> } };
          try {
            event = JSON.parse(line);
          } catch {
            // One bad line must not end the healer (an exception here would): skip it, say so.
            onMalformed(line);
            continue;
          }
          const action = event?.Action ?? event?.status ?? "";
          if (typeof action !== "string" || !action.startsWith("health_status: unhealthy")) continue;
          if (typeof event.id !== "string" || !/^[0-9a-f]{12,64}$/.test(event.id)) {
            onMalformed(line);
            continue;
          }
          const attrs = event.Actor?.Attributes ?? {};
          onUnhealthy(this.toContainer({ Id: event.id, Names: [attrs.name ?? event.id], Labels: attrs }));
        }
      });
      res.on("end", () => onEnd());
    });
    req.on("error", (error) => onEnd(error));
    req.end();
    return () => req.destroy();
  }
}
