/**
 * What the fault benchmark (bench/faults.ts) does to a deployed stack and how
 * it watches: container state from `docker inspect`, the faults themselves
 * (a crash of a container's main process from the host, docker pause/stop),
 * an open-loop request stream, RAG queries through RAG's published port, and a
 * snapshot of the stack's data (Qdrant's point counts and one query's sources).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TimedRequest } from "../../lib/gateway/failover-report";
import { LLAMA_API_KEY_FILE } from "../../lib/plan/inference";
import { containerFileText } from "../../ops/docker-cli";
import { docker, dockerOk } from "../support/docker-cli";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export interface ContainerState {
  id: string;
  status: string;
  running: boolean;
  paused: boolean;
  /** Epoch ms of the last start. */
  startedAt: number;
  startedAtText: string;
  restartCount: number;
  exitCode: number;
  pid: number;
  restartPolicy: string;
  health: string;
  /** Consecutive failed probes (Docker calls it unhealthy at the healthcheck's retries). */
  failingStreak: number;
  /** Health probe runs, oldest first (Docker keeps the last 5). */
  healthLog: { start: number; exitCode: number; output: string }[];
}

export async function inspect(name: string): Promise<ContainerState> {
  const c = JSON.parse(await dockerOk(["inspect", name]))[0];
  return {
    id: c.Id,
    status: c.State.Status,
    running: c.State.Running,
    paused: c.State.Paused,
    startedAt: Date.parse(c.State.StartedAt),
    startedAtText: c.State.StartedAt,
    restartCount: c.RestartCount,
    exitCode: c.State.ExitCode,
    pid: c.State.Pid,
    restartPolicy: c.HostConfig.RestartPolicy?.Name ?? "",
    health: c.State.Health?.Status ?? "none",
    failingStreak: c.State.Health?.FailingStreak ?? 0,
    healthLog: (c.State.Health?.Log ?? []).map((l: { Start: string; ExitCode: number; Output: string }) => ({
      start: Date.parse(l.Start),
      exitCode: l.ExitCode,
      output: l.Output.trim(),
    })),
  };
}

export type ProbeRun = ContainerState["healthLog"][number];

/**
 * Collects a container's health probe runs (Docker keeps only the last 5) and
 * every health status it reports, until stopped.
 */
export function watchProbes(name: string, everyMs = 250): { stop(): Promise<{ probes: ProbeRun[]; statuses: Set<string> }> } {
  let watching = true;
  const probes = new Map<number, ProbeRun>();
  const statuses = new Set<string>();
  const loop = (async () => {
    while (watching) {
      const state = await inspect(name);
      statuses.add(state.health);
      for (const p of state.healthLog) probes.set(p.start, p);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return { probes: [...probes.values()].sort((a, b) => a.start - b.start), statuses };
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/**
 * A crash of the container's main process: SIGKILL sent from the host to its
 * PID (as the kernel's OOM killer or a fatal signal would end it), so the
 * daemon sees an exit it did not ask for and the restart policy applies.
 * `docker kill` would not do: the daemon marks that as a manual stop.
 */
export async function crashMainProcess(name: string): Promise<{ before: ContainerState; killedAt: number }> {
  const before = await inspect(name);
  if (!before.running || before.pid <= 0) throw new Error(`${name} is not running (status ${before.status})`);
  const killedAt = Date.now();
  process.kill(before.pid, "SIGKILL");
  return { before, killedAt };
}

/** Waits until Docker has started the container again after `before` (a restart by the policy or the healer). */
export function waitForRestart(name: string, before: ContainerState, timeoutMs: number): Promise<ContainerState | undefined> {
  return waitFor(async () => {
    const now = await inspect(name);
    return now.running && now.startedAt > before.startedAt ? now : undefined;
  }, timeoutMs);
}

/** Resolves once `url` answers 2xx (or after `timeoutMs`, with undefined); the epoch ms it did. */
export function waitForHttp(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<number | undefined> {
  return waitFor(async () => {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok ? Date.now() : undefined;
  }, timeoutMs);
}

/** Open-loop sender: starts a request every 1/rate s whether or not earlier ones have returned. */
export function openLoop<T>(send: (i: number) => Promise<T>, ratePerSec: number): { stop(): Promise<T[]>; sent(): number } {
  const pending: Promise<T>[] = [];
  let sending = true;
  const loop = (async () => {
    const start = Date.now();
    for (let i = 0; sending; i++) {
      pending.push(send(i));
      await sleep(start + ((i + 1) * 1000) / ratePerSec - Date.now());
    }
  })();
  return {
    sent: () => pending.length,
    stop: async () => {
      sending = false;
      await loop;
      return Promise.all(pending);
    },
  };
}

/** Polls a URL and records when it stopped and started answering 2xx (an outage as a client sees it). */
export function watchOutage(
  url: string,
  headers: Record<string, string> = {},
  everyMs = 100,
): { stop(): Promise<{ downAt?: number; upAt?: number }> } {
  let running = true;
  let downAt: number | undefined;
  let upAt: number | undefined;
  const loop = (async () => {
    while (running) {
      const asked = Date.now();
      let ok: boolean;
      try {
        const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        ok = res.ok;
      } catch {
        ok = false;
      }
      if (!ok && downAt === undefined) downAt = asked;
      if (ok && downAt !== undefined && upAt === undefined) upAt = asked;
      await sleep(everyMs - (Date.now() - asked));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { downAt, upAt };
    },
  };
}

export interface RagOutcome extends TimedRequest {
  status: number;
  /** FastAPI-style `detail` of an error answer, or the network error. */
  detail?: string;
  /** doc_id#chunk_id@score of each context entry. */
  sources?: string[];
  /** RAG's Server-Timing header (time spent per upstream). */
  timing?: string;
}

export async function ragQuery(ragUrl: string, query: string, collection: string, timeoutMs = 60_000): Promise<RagOutcome> {
  const startedAt = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(`${ragUrl}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, collection }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    const timing = res.headers.get("server-timing") ?? undefined;
    let body: { detail?: unknown; context?: { doc_id: unknown; chunk_id: unknown; score: number }[] } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: reported as the detail
    }
    if (!res.ok)
      return {
        ok: false,
        status: res.status,
        startedAt,
        ms,
        timing,
        detail: typeof body.detail === "string" ? body.detail : text.slice(0, 300),
      };
    return {
      ok: true,
      status: res.status,
      startedAt,
      ms,
      timing,
      sources: (body.context ?? []).map((c) => `${c.doc_id}#${c.chunk_id}@${c.score.toFixed(4)}`),
    };
  } catch (error) {
    return { ok: false, status: 0, startedAt, ms: performance.now() - t0, detail: String(error) };
  }
}

/** What the faults must leave unchanged. */
export interface StackData {
  /** Qdrant collection -> points_count. */
  points: Record<string, number>;
  /** The sample query's sources. */
  sources: string[];
}

export async function stackData(
  qdrantUrl: string,
  qdrantHeaders: Record<string, string>,
  ragUrl: string,
  sample: { query: string; collection: string },
): Promise<StackData> {
  const get = async (p: string) => {
    const res = await fetch(`${qdrantUrl}${p}`, { headers: qdrantHeaders, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`qdrant GET ${p}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { result: any }).result;
  };
  const points: Record<string, number> = {};
  for (const { name } of (await get("/collections")).collections as { name: string }[])
    points[name] = (await get(`/collections/${encodeURIComponent(name)}`)).points_count;
  const answer = await ragQuery(ragUrl, sample.query, sample.collection);
  if (!answer.ok) throw new Error(`the sample RAG query failed: ${answer.status} ${answer.detail}`);
  return { points, sources: answer.sources! };
}

export const sameData = (a: StackData, b: StackData) => JSON.stringify(a) === JSON.stringify(b);

/** Documents the benchmark indexes: one long enough for several chunks, two short. */
export function writeDocuments(dataDir: string): void {
  const dir = path.join(dataDir, "documents");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "pets.md"), "Cats purr when they are content. Dogs wag their tails when they are happy.\n");
  fs.writeFileSync(path.join(dir, "tea.md"), "Green tea is steeped at about 80 degrees; black tea wants boiling water.\n");
  const words = Array.from(
    { length: 1400 },
    (_, i) => ["rivers", "carry", "sediment", "to", "the", "sea", "and", "build", "deltas", `over ${i} years`][i % 10],
  );
  fs.writeFileSync(path.join(dir, "rivers.txt"), `${words.join(" ")}\n`);
}

/** A container's environment, as `docker inspect` reports it. */
export async function containerEnv(name: string): Promise<Record<string, string>> {
  const env: string[] = JSON.parse(await dockerOk(["inspect", "--format", "{{json .Config.Env}}", name]));
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** A secret the plan shipped into a deployed container as a file (ops' containerFileText), or an error naming it. */
export async function containerSecret(name: string, file: string): Promise<string> {
  const text = await containerFileText(name, file);
  if (!text) throw new Error(`${name} has no readable ${file}`);
  return text;
}

/** The key a deployed llama-server requires, read from the file the plan shipped into it. */
export const llamaApiKey = (name: string) => containerSecret(name, LLAMA_API_KEY_FILE);

/** The last lines of a container's log (stdout and stderr). */
export async function containerLogs(name: string, since?: number): Promise<string> {
  const args = ["logs", ...(since ? ["--since", new Date(since).toISOString()] : []), name];
  const out = await docker(args);
  return `${out.stdout}${out.stderr}`;
}
