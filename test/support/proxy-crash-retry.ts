/**
 * The LiteLLM proxy process itself has segfaulted inside CPython under load on
 * 2 cores (once in ~6 full CI runs, during the kill scenario; the CLI always runs
 * uvicorn with uvloop, as the image does). That is a crash of the proxy, not a
 * routing result, so a test that opts in with `{ retry: 1 }` gets one more
 * attempt on a fresh proxy, but only when the proxy died from a crash signal.
 * A failure with the proxy alive, or a second crash, fails the test.
 */
import { beforeEach } from "vitest";
import type { LiteLLMProxy } from "./litellm-proxy";

const CRASH_SIGNALS = new Set<string>(["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"]);

/** The crash signal the proxy died from, waiting briefly for its exit to be observed; undefined if it lives (or was stopped). */
async function crashSignal(proxy: LiteLLMProxy | undefined, waitMs = 3000): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  while (proxy && !proxy.ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const signal = proxy?.ended()?.signal ?? undefined;
  return signal && CRASH_SIGNALS.has(signal) ? signal : undefined;
}

export function retryOnlyProxyCrashes(proxyOf: () => LiteLLMProxy | undefined, restart: () => Promise<void>, timeoutMs: number): void {
  let failedTaskId: string | undefined;
  beforeEach(async ({ task, onTestFailed }) => {
    if (failedTaskId === task.id) {
      failedTaskId = undefined;
      const proxy = proxyOf();
      const signal = await crashSignal(proxy);
      if (!signal) throw new Error("not retried: the proxy did not crash, so the failure of the first attempt stands");
      console.warn(
        `gateway e2e: the LiteLLM proxy process died from ${signal} during "${task.name}" (a crash of the proxy, not a routing result); ` +
          `retrying once on a fresh proxy.\n--- proxy output (tail) ---\n${proxy!.logs().slice(-3000)}`,
      );
      await restart();
    }
    onTestFailed(() => {
      failedTaskId = task.id;
    });
  }, timeoutMs);
}
