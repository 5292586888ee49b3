/**
 * What `up` says about a container's health, beyond the provider's bare
 * "container failed to be in healthy state": which service, its health state,
 * and what its last probe printed. And a check that runs on every `up`, for
 * every container, so that an `up` never reports success while a container is
 * unhealthy (the provider waits for health only when it creates a container).
 */
import { engineGet, engineGetRaw } from "./docker-engine";

interface Inspected {
  Id: string;
  RestartCount?: number;
  State: {
    Status: string;
    StartedAt: string;
    ExitCode?: number;
    Health?: { Status: string; FailingStreak: number; Log?: { ExitCode: number; Output: string }[] };
  };
}

export interface ContainerHealth {
  status: "healthy" | "unhealthy" | "starting" | "none" | "not running" | "unknown";
  startedAt?: number;
  failingStreak?: number;
  lastProbe?: { exitCode: number; output: string };
  /** Docker's own state ("running", "restarting", "exited"), its last exit code and restarts. */
  state?: { status: string; exitCode?: number; restarts?: number };
}

/** The text of a non-TTY container log stream: 8-byte frame headers (stream, size) before each chunk. */
export function demuxLogStream(raw: Buffer): string {
  let out = "";
  let at = 0;
  while (at + 8 <= raw.length && raw[1] === 0 && raw[2] === 0 && raw[3] === 0) {
    const size = raw.readUInt32BE(at + 4);
    out += raw.subarray(at + 8, at + 8 + size).toString("utf8");
    at += 8 + size;
  }
  return at === 0 ? raw.toString("utf8") : out;
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
      state: { status: state.Status, exitCode: state.ExitCode, restarts: answer.body.RestartCount },
    };
  }

  /** The container's last `lines` log lines, one line of text (its own words on why it stopped). */
  async lastLogLines(containerName: string, lines = 4): Promise<string | undefined> {
    const answer = await engineGetRaw(
      this.dockerHost,
      `/containers/${encodeURIComponent(containerName)}/logs?stdout=1&stderr=1&tail=${lines}`,
    );
    if (!answer || answer.status !== 200) return undefined;
    const text = demuxLogStream(answer.body)
      .trim()
      .replace(/\s*\n\s*/g, " | ");
    return text ? text.slice(-400) : undefined;
  }

  /** "<service>: health unhealthy after 5 failed probes; last probe (exit 22): curl: (22) ... 503". */
  async diagnose(service: string, containerName: string): Promise<string> {
    const h = await this.health(containerName);
    if (h.status === "not running" && h.state) {
      // A process that exits before its first probe (a model it cannot load): no probe ever runs, so its log says why.
      const exit = h.state.exitCode !== undefined ? `, exit code ${h.state.exitCode}` : "";
      const restarts = h.state.restarts ? ` after ${h.state.restarts} restart${h.state.restarts === 1 ? "" : "s"}` : "";
      const log = await this.lastLogLines(containerName);
      return (
        `${service} (container ${containerName}) is not healthy: status ${h.state.status}${exit}${restarts}; ` +
        `its process exits, so no probe can run; last log lines: ${log ?? "(none)"}. Fix what the log reports (docker logs ${containerName}), then run \`pulumi up\` again.`
      );
    }
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
