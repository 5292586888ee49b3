/**
 * Restarts this stack's unhealthy containers: Docker's restart policies act
 * on exit only, never on "unhealthy", so a wedged llama-server (its /metrics
 * probe failing) would stay wedged until a person noticed. Every restart is a
 * log line and a metric (healer_restarts_total) the monitoring stack alerts on.
 */
import { log } from "../../common/src/log.ts";
import type { Counter, Gauge } from "../../common/src/metrics.ts";
import type { DockerApi, UnhealthyContainer } from "./docker-api.ts";
import { RestartBudget } from "./restart-budget.ts";

export interface HealerMetrics {
  restarts: Counter;
  skipped: Counter;
  errors: Counter;
  /** 1 per service with a running container, 0 per service whose containers are all stopped (the ContainerMissing alerts). */
  running: Gauge;
  /** Container starts seen in the event stream, by service (a crash-loop: ContainerRestarting). */
  starts: Counter;
}

export class Healer {
  /** Date.now() of the last Docker call that answered; /health reports it. */
  lastContact = 0;
  private readonly inFlight = new Set<string>();
  private readonly budget: RestartBudget;
  private stopFollowing: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly docker: DockerApi;
  private readonly metrics: HealerMetrics;
  private readonly now: () => number;
  private readonly resyncMs: number;

  constructor(
    docker: DockerApi,
    metrics: HealerMetrics,
    options: { maxRestarts: number; windowSec: number; resyncSec: number },
    now: () => number = Date.now,
  ) {
    this.docker = docker;
    this.metrics = metrics;
    this.now = now;
    this.budget = new RestartBudget(options.maxRestarts, options.windowSec * 1000);
    this.resyncMs = options.resyncSec * 1000;
  }

  /** Heals whatever is unhealthy now, then follows health events; rescans every resync interval. */
  start(): void {
    this.follow();
    void this.resync();
    this.timer = setInterval(() => void this.resync(), this.resyncMs);
  }

  stop(): void {
    this.stopped = true;
    this.stopFollowing?.();
    if (this.timer) clearInterval(this.timer);
  }

  async resync(): Promise<void> {
    try {
      const unhealthy = await this.docker.unhealthy();
      this.lastContact = this.now();
      for (const c of unhealthy) await this.heal(c, "scan");
      const running = new Map<string, number>();
      for (const c of await this.docker.stackContainers()) {
        if (c.service) running.set(c.service, Math.max(running.get(c.service) ?? 0, c.running ? 1 : 0));
      }
      this.metrics.running.replaceAll([...running].map(([service, value]) => ({ labels: { service }, value })));
    } catch (error) {
      this.metrics.errors.inc({ operation: "list" });
      log("warn", "healer: could not list containers", { error: (error as Error).message });
    }
  }

  async heal(c: UnhealthyContainer, seenBy: "event" | "scan"): Promise<void> {
    if (this.inFlight.has(c.id)) return;
    if (!this.budget.take(c.id, this.now())) {
      this.metrics.skipped.inc({ service: c.service });
      log("warn", "healer: restart budget spent, leaving the container unhealthy for a person to look at", {
        container: c.name,
        service: c.service,
      });
      return;
    }
    this.inFlight.add(c.id);
    try {
      log("warn", "healer: restarting an unhealthy container", {
        container: c.name,
        service: c.service,
        seenBy,
        stopGraceSec: c.stopGraceSec,
      });
      await this.docker.restart(c);
      this.lastContact = this.now();
      this.metrics.restarts.inc({ service: c.service });
      log("info", "healer: restarted", { container: c.name, service: c.service });
    } catch (error) {
      this.metrics.errors.inc({ operation: "restart" });
      log("error", "healer: restart failed", { container: c.name, service: c.service, error: (error as Error).message });
    } finally {
      this.inFlight.delete(c.id);
    }
  }

  private follow(): void {
    if (this.stopped) return;
    this.stopFollowing = this.docker.follow({
      onUnhealthy: (c) => void this.heal(c, "event"),
      onStart: (c) => {
        if (c.service) this.metrics.starts.inc({ service: c.service });
      },
      onEnd: (error) => {
        if (this.stopped) return;
        log("warn", "healer: Docker event stream ended; following again in 2 s", { error: error?.message });
        setTimeout(() => this.follow(), 2000);
      },
      onMalformed: (line) => {
        this.metrics.errors.inc({ operation: "event" });
        log("warn", "healer: skipped a Docker event it could not read", { line: line.slice(0, 200) });
      },
    });
  }
}
