/**
 * Watching and calling a deployed llama-server router from the host: its
 * children (one per loaded model, found through /proc of the container's main
 * process), its model list, and one completion timed to its first token.
 */
import * as fs from "node:fs";

export interface RouterChild {
  pid: number;
  /** The model alias the router gave the child (`--alias`). */
  alias: string;
}

/** The router's child processes now. A child is listed under the thread that forked it, so every thread is read. */
export function routerChildren(hostPid: number): RouterChild[] {
  const pids = new Set<number>();
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${hostPid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      for (const pid of fs.readFileSync(`/proc/${hostPid}/task/${task}/children`, "utf8").trim().split(/\s+/))
        if (pid) pids.add(Number(pid));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return [...pids].flatMap((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return [{ pid, alias: argv[argv.indexOf("--alias") + 1] ?? "?" }];
    } catch {
      return [];
    }
  });
}

/** Samples the children every `everyMs` until stopped; the most seen at once. */
export function sampleChildren(hostPid: number, everyMs = 10): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, routerChildren(hostPid).length);
    samples++;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak, samples };
    },
  };
}

/** Each model the router lists, with its status (`unloaded`, `loading`, `loaded`) and whether its last load failed. */
export async function routerModels(url: string): Promise<Record<string, { status: string; failed: boolean }>> {
  const res = await fetch(`${url}/models`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { data: { id: string; status: { value: string; failed?: boolean } }[] };
  return Object.fromEntries(body.data.map((m) => [m.id, { status: m.status.value, failed: m.status.failed === true }]));
}

export interface TimedCompletion {
  status: number;
  /** Milliseconds to the first streamed token, or to the error answer. */
  firstTokenMs: number;
  totalMs: number;
  error?: string;
}

/** One streamed chat completion of `model` straight to the router (or any OpenAI-compatible URL). */
export async function timedCompletion(url: string, model: string, headers: Record<string, string> = {}): Promise<TimedCompletion> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 4, stream: true }),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok || !res.body) {
    const error = await res.text();
    const ms = performance.now() - started;
    return { status: res.status, firstTokenMs: ms, totalMs: ms, error };
  }
  let firstTokenMs: number | undefined;
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (firstTokenMs === undefined && /"content":"[^"]/.test(text)) firstTokenMs = performance.now() - started;
  }
  const totalMs = performance.now() - started;
  return {
    status: res.status,
    firstTokenMs: firstTokenMs ?? totalMs,
    totalMs,
    ...(firstTokenMs === undefined ? { error: text.slice(0, 300) } : {}),
  };
}
