/** The progress indication: silent for fast tasks, a spinner on a terminal and step lines in a pipe for slow ones. Timers are faked. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { withProgress } from "../../ops/progress";

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (t: string) => written.push(t) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A task that finishes when the test says so. */
function pending() {
  let finish!: (v: string) => void;
  const done = new Promise<string>((r) => (finish = r));
  return { done, finish };
}

describe("withProgress", () => {
  it("shows nothing for a task that ends within the delay", async () => {
    const out = stream(true);
    const task = pending();
    const run = withProgress("quick", () => task.done, { stream: out, delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    task.finish("v");
    expect(await run).toBe("v");
    await vi.advanceTimersByTimeAsync(5000);
    expect(out.written).toEqual([]);
  });

  it("in a pipe, prints the label and each later step on its own line", async () => {
    const out = stream(false);
    const task = pending();
    let step!: (t: string) => void;
    const run = withProgress("backup", (s) => ((step = s), task.done), { stream: out, delayMs: 1000 });
    step("listing collections");
    await vi.advanceTimersByTimeAsync(1000);
    step("snapshot of myproj");
    task.finish("v");
    await run;
    expect(out.written).toEqual(["... listing collections\n", "... snapshot of myproj\n"]);
  });

  it("on a terminal, redraws a spinner with the elapsed seconds and clears it at the end, also on failure", async () => {
    const out = stream(true);
    const task = pending();
    const run = withProgress("checking", () => task.done.then(() => Promise.reject(new Error("boom"))), {
      stream: out,
      delayMs: 1000,
      intervalMs: 500,
    });
    await vi.advanceTimersByTimeAsync(2000);
    task.finish("");
    await expect(run).rejects.toThrow("boom");
    expect(out.written[0]).toBe("\r\x1b[K| checking (1s)");
    expect(out.written.length).toBeGreaterThanOrEqual(3);
    expect(out.written.at(-1)).toBe("\r\x1b[K");
    const count = out.written.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(out.written.length).toBe(count);
  });
});
