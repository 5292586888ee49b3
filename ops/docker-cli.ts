/** The few questions the operations tasks ask the Docker daemon, through the docker CLI (no socket library needed). */
import { STACK_LABEL } from "../lib/plan/define-service";
import type { Verdict } from "./health/readiness";
import { firstLine, runCommand } from "./run-command";

export interface DockerDaemonInfo {
  serverVersion: string;
  apiVersion: string;
  /** Registered runtimes (e.g. runc, nvidia). */
  runtimes: string[];
  /**
   * True when images live in containerd's store (Docker 29's default, an opt-in before): `docker info`
   * reports DriverStatus driver-type io.containerd.snapshotter.v1. Undefined when not reported.
   */
  containerdImageStore?: boolean;
}

/** The daemon's version and runtimes; throws with Docker's own message when the daemon is not reachable. */
export async function dockerDaemonInfo(): Promise<DockerDaemonInfo> {
  const version = await runCommand("docker", ["version", "--format", "{{json .Server}}"]);
  if (version.notFound) throw new Error("the docker CLI is not installed");
  const server = parseJson(version.stdout) as { Version?: string; ApiVersion?: string } | undefined;
  if (!version.ok || !server?.Version) throw new Error(firstLine(version.stderr) || "docker version gave no server version");
  const info = await runCommand("docker", ["info", "--format", "{{json .}}"]);
  const parsed = info.ok
    ? (parseJson(info.stdout) as { Runtimes?: Record<string, unknown>; DriverStatus?: [string, string][] } | undefined)
    : undefined;
  const runtimes = Object.keys(parsed?.Runtimes ?? {});
  const containerdImageStore = parsed?.DriverStatus
    ? parsed.DriverStatus.some(([key, value]) => key === "driver-type" && value.startsWith("io.containerd.snapshotter"))
    : undefined;
  return { serverVersion: server.Version, apiVersion: server.ApiVersion ?? "?", runtimes, containerdImageStore };
}

/** Names of this stack's running containers (by the label every service carries); [] when Docker is not reachable. */
export async function runningStackContainers(stack: string): Promise<string[]> {
  const result = await runCommand("docker", ["ps", "--filter", `label=${STACK_LABEL}=${stack}`, "--format", "{{.Names}}"]);
  return result.ok
    ? result.stdout
        .split("\n")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

export async function containerHealth(containerName: string): Promise<Verdict> {
  const result = await runCommand("docker", ["inspect", "--format", "{{json .State}}", containerName]);
  if (result.notFound) return { state: "down", detail: "cannot ask Docker: the docker CLI is not installed" };
  if (!result.ok) {
    const message = firstLine(result.stderr);
    return {
      state: "down",
      detail: /no such (object|container)/i.test(message) ? `container ${containerName} does not exist` : `cannot ask Docker: ${message}`,
    };
  }
  return verdictFromState(parseJson(result.stdout));
}

/** Docker's `.State` of a container as a health verdict. */
export function verdictFromState(state: unknown): Verdict {
  const s = state as { Running?: boolean; Status?: string; Health?: { Status?: string; Log?: { Output?: string }[] } } | undefined;
  if (!s) return { state: "down", detail: "docker inspect gave no state" };
  if (!s.Running) return { state: "down", detail: `container is ${s.Status ?? "not running"}` };
  const health = s.Health?.Status;
  if (!health || health === "none") return { state: "up", detail: "running (no healthcheck)" };
  if (health === "healthy") return { state: "up", detail: "healthcheck healthy" };
  if (health === "starting") return { state: "loading", detail: "healthcheck starting" };
  const last = s.Health?.Log?.at(-1)?.Output?.trim();
  return { state: "down", detail: `healthcheck ${health}${last ? `: ${last.slice(0, 80)}` : ""}` };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `docker inspect` of one container; undefined when there is no such container. Throws when Docker cannot be asked. */
export async function inspectContainer(containerName: string): Promise<unknown | undefined> {
  const result = await runCommand("docker", ["inspect", "--type", "container", containerName]);
  if (result.notFound) throw new Error("cannot ask Docker: the docker CLI is not installed");
  if (!result.ok) {
    const message = firstLine(result.stderr);
    if (/no such (object|container)/i.test(message)) return undefined;
    throw new Error(`cannot ask Docker about ${containerName}: ${message}`);
  }
  const parsed = parseJson(result.stdout);
  return Array.isArray(parsed) ? parsed[0] : undefined;
}

/**
 * GPU memory (MiB) nvidia-smi reports for the processes of a container (`docker top` gives their host PIDs);
 * undefined without nvidia-smi or when none of them holds GPU memory.
 */
export async function containerGpuMiB(containerName: string): Promise<number | undefined> {
  const smi = await runCommand("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]);
  if (!smi.ok) return undefined;
  const top = await runCommand("docker", ["top", containerName, "-eo", "pid"]);
  if (!top.ok) return undefined;
  const pids = new Set(
    top.stdout
      .split("\n")
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean),
  );
  let total: number | undefined;
  for (const line of smi.stdout.split("\n")) {
    const [pid, mib] = line.split(",").map((x) => x.trim());
    if (pid && pids.has(pid)) total = (total ?? 0) + Number(mib);
  }
  return total;
}

/** A file inside a running container (`docker exec cat`), trimmed; undefined when it cannot be read. */
export async function containerFileText(containerName: string, file: string): Promise<string | undefined> {
  const out = await runCommand("docker", ["exec", containerName, "cat", file]);
  return out.ok ? out.stdout.trim() : undefined;
}
