/**
 * The Docker Engine API calls the healer needs, and no others: list this
 * stack's unhealthy containers, follow their health events, restart one by
 * name. In the stack it talks to an allowlisting proxy over plain HTTP (which
 * admits exactly these calls, restarts by container name); a unix socket
 * works too. API version left to the daemon.
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

/** http.request's target for `dockerApi`: http://host:port or unix:///path. */
export function dockerApiTarget(dockerApi: string): { socketPath: string } | { host: string; port: number } {
  if (dockerApi.startsWith("unix://")) return { socketPath: dockerApi.slice("unix://".length) };
  const url = new URL(dockerApi);
  return { host: url.hostname, port: Number(url.port || 80) };
}

function request(target: ReturnType<typeof dockerApiTarget>, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, method, path, timeout: 120_000 }, (res) => {
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
  private readonly target: ReturnType<typeof dockerApiTarget>;
  private readonly stack: string;
  private readonly optInLabel: string;

  constructor(dockerApi: string, stack: string, optInLabel: string) {
    this.target = dockerApiTarget(dockerApi);
    this.stack = stack;
    this.optInLabel = optInLabel;
  }

  /** This stack's containers, or only the ones opted in to restarts. */
  private filters(optedIn: boolean, extra: Record<string, string[]> = {}): string {
    const label = [`local-ai-suite.stack=${this.stack}`, ...(optedIn ? [`${this.optInLabel}=true`] : [])];
    return encodeURIComponent(JSON.stringify({ label, ...extra }));
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

  private async list(query: string, what: string): Promise<(ListedContainer & { State?: string })[]> {
    const res = await request(this.target, "GET", `/containers/json?${query}`);
    if (res.status !== 200) throw new Error(`listing ${what}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as (ListedContainer & { State?: string })[];
  }

  async unhealthy(): Promise<UnhealthyContainer[]> {
    const listed = await this.list(`filters=${this.filters(true, { health: ["unhealthy"] })}`, "unhealthy containers");
    return listed.map((c) => this.toContainer(c));
  }

  /** Every container of the stack, running or not, by service: what the container alerts watch. */
  async stackContainers(): Promise<StackContainer[]> {
    const listed = await this.list(`all=1&filters=${this.filters(false)}`, "the stack's containers");
    return listed.map((c) => ({ ...this.toContainer(c), running: c.State === "running" }));
  }

  async restart(c: UnhealthyContainer): Promise<void> {
    // By name: the proxy's allowlist names the containers it may restart (an ID would be refused).
    const res = await request(this.target, "POST", `/containers/${encodeURIComponent(c.name)}/restart?t=${Math.round(c.stopGraceSec)}`);
    if (res.status !== 204) throw new Error(`restarting ${c.name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  }

  /**
   * Follows the stack's container events until the returned function is called: a health_status: unhealthy
   * of an opted-in container goes to `onUnhealthy`, every start (a crash-loop shows as many) to `onStart`.
   */
  follow(handlers: EventHandlers): () => void {
    const path = `/events?filters=${this.filters(false, { type: ["container"], event: ["health_status", "start"] })}`;
    const req = http.request({ ...this.target, method: "GET", path }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        handlers.onEnd(new Error(`following events: HTTP ${res.statusCode}`));
        return;
      }
      let buffer = "";
      res.on("data", (chunk) => {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) this.dispatch(line, handlers);
      });
      res.on("end", () => handlers.onEnd());
    });
    req.on("error", (error) => handlers.onEnd(error));
    req.end();
    return () => req.destroy();
  }

  private dispatch(line: string, handlers: EventHandlers): void {
    let event: { status?: string; Action?: string; id?: unknown; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line);
    } catch {
      // One bad line must not end the healer (an exception here would): skip it, say so.
      handlers.onMalformed(line);
      return;
    }
    const action = event?.Action ?? event?.status ?? "";
    if (typeof action !== "string") return handlers.onMalformed(line);
    const unhealthy = action.startsWith("health_status: unhealthy");
    if (!unhealthy && action !== "start") return;
    if (typeof event.id !== "string" || !/^[0-9a-f]{12,64}$/.test(event.id)) return handlers.onMalformed(line);
    const attrs = event.Actor?.Attributes ?? {};
    const container = this.toContainer({ Id: event.id, Names: [attrs.name ?? event.id], Labels: attrs });
    if (action === "start") handlers.onStart(container);
    else if (attrs[this.optInLabel] === "true") handlers.onUnhealthy(container);
  }
}

export interface StackContainer extends UnhealthyContainer {
  running: boolean;
}

export interface EventHandlers {
  onUnhealthy: (c: UnhealthyContainer) => void;
  onStart: (c: UnhealthyContainer) => void;
  onEnd: (error?: Error) => void;
  onMalformed: (line: string) => void;
}
