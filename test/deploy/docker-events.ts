/** `docker events` of one stack's containers, collected while the deploy tests run. */
import { spawn, type ChildProcess } from "node:child_process";

export interface ContainerEvent {
  /** Milliseconds since the epoch (from timeNano). */
  at: number;
  action: string;
  name: string;
  id: string;
  /** For die: the exit code; for kill: the signal. */
  exitCode?: number;
  signal?: string;
}

export class DockerEvents {
  readonly events: ContainerEvent[] = [];
  private readonly child: ChildProcess;
  private buffer = "";

  constructor(stackLabel: string) {
    this.child = spawn("docker", ["events", "--format", "{{json .}}", "--filter", "type=container", "--filter", `label=${stackLabel}`]);
    this.child.stdout!.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      const lines = this.buffer.split("\n");
      this.buffer = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.add(JSON.parse(line));
    });
  }

  private add(raw: { Action: string; id: string; timeNano: number; Actor: { Attributes: Record<string, string> } }): void {
    const attrs = raw.Actor.Attributes;
    this.events.push({
      at: raw.timeNano / 1e6,
      action: raw.Action,
      name: attrs.name ?? "",
      id: raw.id,
      exitCode: attrs.exitCode !== undefined ? Number(attrs.exitCode) : undefined,
      signal: attrs.signal,
    });
  }

  of(name: string, action?: string, since = 0): ContainerEvent[] {
    return this.events.filter((e) => e.name === name && (action === undefined || e.action === action) && e.at >= since);
  }

  /** When `name` first reported healthy after `since`. */
  firstHealthy(name: string, since = 0): number | undefined {
    return this.of(name, "health_status: healthy", since)[0]?.at;
  }

  stop(): void {
    this.child.kill();
  }
}
