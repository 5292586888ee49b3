/** The docker CLI from tests: run a command, read a container's health, wait for a health state. */
import { execFile } from "node:child_process";
import { STACK_LABEL } from "../../lib/plan/define-service";

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(
      "docker",
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && !stderr ? error.message : "") });
      },
    );
  });
}

/** docker, throwing with its stderr unless it exits 0. */
export async function dockerOk(args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0)
    throw new Error(`docker ${args.slice(0, 3).join(" ")} ... failed (${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

export async function imageExists(tag: string): Promise<boolean> {
  return (await docker(["image", "inspect", tag])).code === 0;
}

export interface ContainerHealth {
  status: string;
  /** Output of the most recent probes, newest last. */
  log: string[];
}

export async function containerHealth(name: string): Promise<ContainerHealth> {
  const out = await docker(["inspect", "--format", "{{json .State.Health}}", name]);
  if (out.code !== 0) return { status: "missing", log: [out.stderr.trim()] };
  const health = JSON.parse(out.stdout) as { Status?: string; Log?: { Output?: string }[] } | null;
  return { status: health?.Status ?? "none", log: (health?.Log ?? []).map((l) => (l.Output ?? "").trim()) };
}

/** Polls until the container's health is `wanted`; throws with the probe log otherwise. */
export async function waitForHealth(name: string, wanted: "healthy" | "unhealthy", timeoutMs: number): Promise<ContainerHealth> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerHealth = { status: "unknown", log: [] };
  while (Date.now() < deadline) {
    last = await containerHealth(name);
    if (last.status === wanted) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = await docker(["logs", "--tail", "20", name]);
  throw new Error(
    `container ${name} stayed "${last.status}" for ${timeoutMs} ms, expected "${wanted}".\nprobe log:\n${last.log.slice(-3).join("\n")}\ncontainer log:\n${logs.stdout}${logs.stderr}`,
  );
}

/**
 * Removes whatever a test stack left behind, by its stack label: containers, networks and volumes
 * (the volumes outlive a destroy by design; a test stack's are its own). Says what it removed and what failed.
 */
export async function removeStackLeftovers(stack: string): Promise<{ containers: number; failures: string[] }> {
  const filter = `label=${STACK_LABEL}=${stack}`;
  const failures: string[] = [];
  const containers = (await dockerOk(["ps", "-aq", "--filter", filter])).split("\n").filter(Boolean);
  if (containers.length) {
    const removed = await docker(["rm", "-f", ...containers]);
    if (removed.code !== 0) failures.push(`rm failed: ${removed.stderr.trim()}`);
  }
  for (const kind of ["network", "volume"]) {
    const ids = (await dockerOk([kind, "ls", "-q", "--filter", filter])).split("\n").filter(Boolean);
    if (!ids.length) continue;
    const removed = await docker([kind, "rm", ...ids]);
    if (removed.code !== 0) failures.push(`${kind} rm failed: ${removed.stderr.trim()}`);
  }
  return { containers: containers.length, failures };
}
