/**
 * A busy llama-server, for real: one long prompt that it processes as one
 * batch (on the deep test model, seconds on a CPU), and a watcher of how long
 * /metrics, which the inference loop answers between batches, waits meanwhile.
 * Shared by the probe test and bench:faults' busy fault.
 */

/** About 6 Qwen2 tokens a repeat: 500 repeats are ~3000 tokens. */
export function longPrompt(repeats: number): string {
  return Array.from({ length: repeats }, () => "rivers carry sediment to the sea").join(" ");
}

export interface PromptResult {
  status: number;
  promptTokens?: number;
  promptMs?: number;
}

/** Sends the prompt to llama-server's /completion (no prompt cache, 2 tokens out) and resolves when it is answered. */
export async function sendLongPrompt(serverUrl: string, repeats: number, apiKey: string): Promise<PromptResult> {
  const res = await fetch(`${serverUrl}/completion`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ prompt: longPrompt(repeats), n_predict: 2, cache_prompt: false }),
    signal: AbortSignal.timeout(300_000),
  });
  const body = (await res.json()) as { timings?: { prompt_n: number; prompt_ms: number } };
  return { status: res.status, promptTokens: body.timings?.prompt_n, promptMs: body.timings?.prompt_ms };
}

/** Polls /metrics back to back until stopped; resolves to the longest wait seen, in ms. */
export function watchMetricsWait(serverUrl: string, apiKey: string): { stop(): Promise<number> } {
  let watching = true;
  let worst = 0;
  const loop = (async () => {
    while (watching) {
      const t = Date.now();
      await fetch(`${serverUrl}/metrics`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(120_000) })
        .then((r) => r.text())
        .catch(() => "");
      worst = Math.max(worst, Date.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return worst;
    },
  };
}
