/**
 * A steady stream of requests at a fixed concurrency, with actions (kill a
 * server, bring it back) fired when a given request is about to be sent.
 */
import type { ChatOutcome } from "./gateway-client";

export interface StreamAction {
  /** Fires just before request number `beforeRequest` (0-based) is sent. */
  beforeRequest: number;
  run: () => Promise<void> | void;
}

export interface FiredAction {
  beforeRequest: number;
  /** Date.now() once the action had completed. */
  at: number;
}

export interface SteadyStreamOptions {
  total: number;
  concurrency: number;
  send: (index: number) => Promise<ChatOutcome>;
  actions?: StreamAction[];
}

export interface SteadyStreamResult {
  outcomes: ChatOutcome[];
  fired: FiredAction[];
}

export async function runSteadyStream(options: SteadyStreamOptions): Promise<SteadyStreamResult> {
  const outcomes: ChatOutcome[] = new Array(options.total);
  const actions = [...(options.actions ?? [])].sort((a, b) => a.beforeRequest - b.beforeRequest);
  const fired: FiredAction[] = [];
  const runs = new Map<StreamAction, Promise<void>>();
  // Each action runs once, in order, and every request numbered at or after it waits for it.
  const runOnce = (action: StreamAction): Promise<void> => {
    let run = runs.get(action);
    if (!run) {
      run = (async () => {
        await action.run();
        fired.push({ beforeRequest: action.beforeRequest, at: Date.now() });
      })();
      runs.set(action, run);
    }
    return run;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++;
      for (const action of actions) if (action.beforeRequest <= index) await runOnce(action);
      outcomes[index] = await options.send(index);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return { outcomes, fired };
}
