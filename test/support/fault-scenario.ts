/**
 * One fault, measured: an open-loop stream of requests through the gateway
 * (sent at a fixed rate whether or not earlier ones have returned, so requests
 * stuck on a broken server do not stop new ones from starting), the fault
 * injected into one upstream, held, undone, and traffic watched until it is back.
 * The gateway's `GET /health` is polled meanwhile to time the detection.
 *
 * The upstream is driven through `UpstreamControl`, so the servers need not be
 * stand-ins or children of this process: a script that controls real
 * llama-server containers implements it (kill/start, pause/unpause, ...) and
 * passes their URLs to `startGatewayRig`.
 */
import { faultFigures, type FaultFigures, type FaultTimeline } from "../../lib/gateway/failover-report";
import type { GatewayRig } from "./failover-rig";
import type { FakeLlamaServer } from "./fake-llama-server";
import type { ChatOutcome } from "./gateway-client";

/**
 * kill: refuses connections (crashed process); pause: accepts, answers nothing,
 * not even /health (stopped process); wedge: accepts, answers /health but no
 * completion (stuck inference loop); slow: answers, slowly.
 */
export const FAULTS = ["kill", "pause", "wedge", "slow"] as const;
export type FaultKind = (typeof FAULTS)[number];

/** A server behind the gateway that a scenario can break and mend. */
export interface UpstreamControl {
  /** Upstream id as the gateway settings name it (`inference-chat`). */
  readonly id: string;
  inject(fault: FaultKind): Promise<void>;
  clear(fault: FaultKind): Promise<void>;
}

/** A stand-in as an UpstreamControl; `slow` paces it at `slowMsPerToken`. */
export function fakeControl(server: FakeLlamaServer, slowMsPerToken = 250): UpstreamControl {
  return {
    id: server.name,
    inject: async (fault) => {
      if (fault === "kill") await server.kill();
      else if (fault === "pause") server.hang();
      else if (fault === "wedge") server.wedge();
      else server.pace(slowMsPerToken);
    },
    clear: async (fault) => {
      if (fault === "kill") await server.start();
      else if (fault === "slow") server.pace(0);
      else server.recover();
    },
  };
}

export interface FaultScenarioOptions {
  rig: GatewayRig;
  target: UpstreamControl;
  fault: FaultKind;
  /** Public model whose own server is `target`. */
  model: string;
  /** Requests started per second. */
  ratePerSec?: number;
  /** Every n-th request is streamed (0: none). */
  streamEvery?: number;
  /** Steady traffic before the fault. */
  baselineMs?: number;
  /** How long to wait for the gateway to notice before holding the fault anyway. */
  detectWithinMs: number;
  /** How long the fault lasts after it was noticed (or after `detectWithinMs`). */
  holdMs?: number;
  /** How long to wait, after undoing the fault, for a request answered by `target`. */
  recoverWithinMs: number;
  /** Client give-up time per request. */
  requestTimeoutMs?: number;
  /** How often the gateway's /health is read. */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface FaultScenarioResult {
  outcomes: ChatOutcome[];
  timeline: FaultTimeline;
  figures: FaultFigures;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export interface HealthWatch {
  /** Stops polling; resolves to every poll time (epoch ms) at which the deployment was reported unhealthy. */
  stop(): Promise<number[]>;
}

/**
 * Polls the gateway's `GET /health` every `pollMs` and notes when `deployment`
 * is reported unhealthy (the time is when the poll was sent, so a request
 * started after it found the verdict already in place).
 */
export function watchUnhealthy(rig: GatewayRig, deployment: string, pollMs = 200, onUnhealthy?: (at: number) => void): HealthWatch {
  const flagged: number[] = [];
  let polling = true;
  const loop = (async () => {
    while (polling) {
      const asked = Date.now();
      const unhealthy = await rig.unhealthyDeployments();
      if (unhealthy?.has(deployment)) {
        flagged.push(asked);
        onUnhealthy?.(asked);
      }
      await sleep(pollMs - (Date.now() - asked));
    }
  })();
  return {
    stop: async () => {
      polling = false;
      await loop;
      return flagged;
    },
  };
}

export async function runFaultScenario(o: FaultScenarioOptions): Promise<FaultScenarioResult> {
  const { rig, target } = o;
  const deployment = rig.primaryDeployment(o.model);
  const intervalMs = 1000 / (o.ratePerSec ?? 10);
  const streamEvery = o.streamEvery ?? 3;
  const pollMs = o.pollMs ?? 200;
  const log = o.log ?? (() => undefined);

  // When the gateway's checks first called the target's route unhealthy after the fault.
  let faultAt: number | undefined;
  let detectedAt: number | undefined;
  const watch = watchUnhealthy(rig, deployment, pollMs, (at) => {
    if (faultAt !== undefined && detectedAt === undefined && at >= faultAt) detectedAt = at;
  });

  // Open-loop sender; `backAt` is the first request after the clear that the target answered.
  const pending: Promise<ChatOutcome>[] = [];
  let clearedAt: number | undefined;
  let backAt: number | undefined;
  let sending = true;
  const sender = (async () => {
    const start = Date.now();
    for (let i = 0; sending; i++) {
      const stream = streamEvery > 0 && i % streamEvery === streamEvery - 1;
      const request = rig.request(o.model, { stream, timeoutMs: o.requestTimeoutMs ?? 120_000 });
      pending.push(request);
      void request.then((r) => {
        if (clearedAt !== undefined && r.startedAt >= clearedAt && r.servedBy === target.id)
          backAt = Math.min(backAt ?? Infinity, r.startedAt);
      });
      await sleep(start + (i + 1) * intervalMs - Date.now());
    }
  })();

  try {
    await sleep(o.baselineMs ?? 3000);
    faultAt = Date.now();
    await target.inject(o.fault);
    log(`${o.fault}: injected into ${target.id}`);
    const detectBy = faultAt + o.detectWithinMs;
    while (detectedAt === undefined && Date.now() < detectBy) await sleep(50);
    log(
      detectedAt === undefined
        ? `${o.fault}: not detected within ${o.detectWithinMs} ms`
        : `${o.fault}: detected after ${detectedAt - faultAt} ms`,
    );
    await sleep(o.holdMs ?? 10_000);
    clearedAt = Date.now();
    await target.clear(o.fault);
    const backBy = clearedAt + o.recoverWithinMs;
    while (backAt === undefined && Date.now() < backBy) await sleep(50);
    log(
      backAt === undefined
        ? `${o.fault}: ${target.id} not back within ${o.recoverWithinMs} ms`
        : `${o.fault}: back on ${target.id} ${backAt - clearedAt} ms after the clear`,
    );
    // A little traffic after the return, so the figures see it settle.
    await sleep(1000);
  } finally {
    sending = false;
    await sender;
    await watch.stop();
  }
  const outcomes = await Promise.all(pending);
  const timeline: FaultTimeline = { faultAt, detectedAt, clearedAt, backAt };
  return { outcomes, timeline, figures: faultFigures(outcomes, timeline) };
}
