/**
 * What `up` says about a container's health, beyond the provider's bare
 * "container failed to be in healthy state": which service, its health state,
 * and what its last probe printed. And a check that runs on every `up`, for
 * every container, so that an `up` never reports success while a container is
 * unhealthy (the provider waits for health only when it creates a container).
 */
import { engineGet } from "./docker-engine";

interface Inspected {
  Id: string;
  State: {
    Status: string;
    StartedAt: string;
    Health?: { Status: string; FailingStreak: number; Log?: { ExitCode: number; Output: string }[] };
  };
}

export interface ContainerHealth {
  status: "healthy" | "unhealthy" | "starting" | "none" | "not running" | "unknown";
  startedAt?: number;
  failingStreak?: number;
  lastProbe?: { exitCode: number; output: string };
}

export class ContainerHealthWatch {
  constructor(
    private readonly dockerHost: string | undefined,
    private readonly pollMs = 1000,
  ) {}

  async health(containerName: string): Promise<ContainerHealth> {
    const answer = await engineGet<Inspected>(this.dockerHost, `/containers/${encodeURIComponent(containerName)}/json`);
    if (!answer || answer.status !== 200) return { status: "unknown" };
    const state = answer.body.State;
    const last = state.Health?.Log?.at(-1);
    return {
      status: state.Status !== "running" ? "not running" : ((state.Health?.Status ?? "none") as ContainerHealth["status"]),
      startedAt: Date.parse(state.StartedAt),
      failingStreak: state.Health?.FailingStreak,
      lastProbe: last ? { exitCode: last.ExitCode, output: last.Output.trim().replace(/\s+/g, " ").slice(0, 300) } : undefined,
    };
  }

  /** "<service>: health unhealthy after 5 failed probes; last probe (exit 22): curl: (22) ... 503". */
  async diagnose(service: string, containerName: string): Promise<string> {
    const h = await this.health(containerName);
    const probe = h.lastProbe
      ? `; last probe (exit ${h.lastProbe.exitCode}): ${h.lastProbe.output || "(no output)"}`
      : "; no probe has run yet";
    const streak = h.failingStreak ? ` after ${h.failingStreak} failed probe${h.failingStreak === 1 ? "" : "s"}` : "";
    return `${service} (container ${containerName}) is not healthy: health ${h.status}${streak}${probe}. Fix what the probe reports (docker logs ${containerName}), then run \`pulumi up\` again.`;
  }

  /**
   * Resolves once the container is healthy. A container still starting gets
   * until `waitTimeoutSec` after its start; unhealthy or stopped fails at once.
   */
  async verify(service: string, containerName: string, waitTimeoutSec: number): Promise<void> {
    for (;;) {
      const h = await this.health(containerName);
      if (h.status === "healthy" || h.status === "unknown") return;
      const deadline = (h.startedAt ?? Date.now()) + waitTimeoutSec * 1000;
      if (h.status !== "starting" || Date.now() > deadline) throw new Error(await this.diagnose(service, containerName));
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
