/**
 * A WEDGED llama-server (port open, /health still 200, no completion ever
 * answered: a hung CUDA call or a stuck slot), proven against the real LiteLLM
 * proxy running p2's rendered config unchanged (request timeout 60 s, health
 * checks every 3 s with a 5 s limit, no cooldowns). The mechanism is LiteLLM's
 * health-check-driven routing (docs/litellm-failover.md).
 *
 * "Detected" means: the gateway's own `GET /health`, which returns the round of
 * background checks the router also reads, first reports inference-chat's route
 * unhealthy. The bound: no request that starts after that waits more than
 * WEDGE_BOUND_MS longer than the median request before the wedge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultLine } from "../../lib/gateway/failover-report";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { startFailoverRig, type FailoverRig } from "../support/failover-rig";
import { fakeControl, runFaultScenario, watchUnhealthy } from "../support/fault-scenario";
import { CLIENT_PROMPT, type ChatOutcome } from "../support/gateway-client";
import { ensureLiteLLM, type LiteLLMInstall } from "../support/litellm-install";
import { retryOnlyProxyCrashes } from "../support/proxy-crash-retry";

const CHAT = INFERENCE_SERVICE.chat;
const CODE = INFERENCE_SERVICE.code;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const RIG_TIMEOUT_MS = 150_000;
/** The goal: extra latency of any request that starts after the wedge was detected. */
const WEDGE_BOUND_MS = 5000;
/** Scheduling slack for a check round on 2 loaded cores. */
const ROUND_SLACK_MS = 3000;
/** A long generation: 3x the bound, on a healthy server. */
const LONG_MS = 3 * WEDGE_BOUND_MS;
const MS_PER_TOKEN = 50;
const LONG_TOKENS = LONG_MS / MS_PER_TOKEN;

let install: LiteLLMInstall;

beforeAll(async () => {
  install = await ensureLiteLLM();
}, INSTALL_TIMEOUT_MS);

const failures = (outcomes: ChatOutcome[]) => outcomes.filter((o) => !o.ok).map((o) => `${o.status} ${o.error?.slice(0, 300)}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Short requests at `perSec` until `until()` says stop; returns their outcomes. */
async function trickle(rig: FailoverRig, perSec: number, until: () => boolean): Promise<ChatOutcome[]> {
  const pending: Promise<ChatOutcome>[] = [];
  while (!until()) {
    pending.push(rig.request(rig.chatModel, { stream: pending.length % 2 === 1, timeoutMs: 120_000 }));
    await sleep(1000 / perSec);
  }
  return Promise.all(pending);
}

describe("gateway with p2's rendered config when inference-chat wedges (port open, /health 200, no completion answered)", () => {
  let rig: FailoverRig;
  const start = () => startFailoverRig({ install });

  beforeAll(async () => {
    rig = await start();
  }, RIG_TIMEOUT_MS);
  afterAll(async () => {
    await rig?.stop();
  });
  retryOnlyProxyCrashes(
    () => rig?.proxy,
    async () => {
      await rig.stop();
      rig = await start();
    },
    RIG_TIMEOUT_MS,
  );

  const check = () => rig.settings.healthCheck!;
  const roundMs = () => (check().intervalSec + check().timeoutSec) * 1000;

  it("renders with health checks on (p2's defaults)", () => {
    expect(check()).toEqual({ intervalSec: 3, timeoutSec: 5 });
    expect(rig.proxy.configYaml).toContain("enable_health_check_routing: true");
    expect(rig.proxy.configYaml).toContain("disable_cooldowns: true");
  });

  it(
    `sends no request that starts after the wedge is detected to it, keeps those within ${WEDGE_BOUND_MS} ms of extra latency, loses none, and returns once it clears`,
    { retry: 1, timeout: 180_000 },
    async () => {
      const healthBefore = rig.chatServer.healthRequests;
      const { outcomes, timeline, figures } = await runFaultScenario({
        rig,
        target: fakeControl(rig.chatServer),
        fault: "wedge",
        model: rig.chatModel,
        ratePerSec: 10,
        detectWithinMs: roundMs() + ROUND_SLACK_MS,
        holdMs: 10_000,
        recoverWithinMs: roundMs() + ROUND_SLACK_MS,
        log: (line) => console.log(`gateway e2e: ${line}`),
      });
      console.log(`gateway e2e: ${faultLine(`litellm-${install.version}`, "wedge", figures)}`);

      expect(failures(outcomes)).toEqual([]);
      // Detected within one round of checks: the next check starts <= interval after the wedge and gives up after the timeout.
      expect(timeline.detectedAt, "the gateway never reported inference-chat unhealthy").toBeDefined();
      const detectedAt = timeline.detectedAt!;
      expect(detectedAt - timeline.faultAt).toBeLessThanOrEqual(roundMs() + ROUND_SLACK_MS);

      const afterDetection = outcomes.filter((o) => o.startedAt >= detectedAt && o.startedAt < timeline.clearedAt);
      expect(afterDetection.length).toBeGreaterThan(50);
      expect(new Set(afterDetection.map((o) => o.servedBy))).toEqual(new Set([CODE]));
      expect(figures.maxExtraMs).toBeLessThanOrEqual(WEDGE_BOUND_MS);
      // The wedged stand-in got no client request after the detection (1 s for those already on their way).
      const lateHits = rig.chatServer.hits.filter(
        (h) => h.prompt === CLIENT_PROMPT && h.at >= detectedAt + 1000 && h.at < timeline.clearedAt,
      );
      expect(lateHits).toEqual([]);
      // The gateway never asked /health, so the wedged server's cheerful /health could not fool it.
      expect(rig.chatServer.healthRequests).toBe(healthBefore);

      // Back once the wedge clears, at the next passing check (no cooldown holds it out longer).
      expect(timeline.backAt, `chat traffic did not return to ${CHAT} within one round of checks`).toBeDefined();
      expect(timeline.backAt! - timeline.clearedAt).toBeLessThanOrEqual(roundMs() + ROUND_SLACK_MS);
    },
  );

  it(
    `neither cuts nor diverts a ${LONG_MS / 1000} s generation (3x the bound) on a healthy, slow server with a free slot`,
    { retry: 1, timeout: 120_000 },
    async () => {
      rig.chatServer.pace(MS_PER_TOKEN);
      const watch = watchUnhealthy(rig, rig.primaryDeployment(rig.chatModel));
      try {
        let done = false;
        const long = Promise.all([
          rig.request(rig.chatModel, { maxTokens: LONG_TOKENS, timeoutMs: 120_000 }),
          rig.request(rig.chatModel, { maxTokens: LONG_TOKENS, stream: true, timeoutMs: 120_000 }),
        ]).finally(() => (done = true));
        const short = await trickle(rig, 2, () => done);
        const longOutcomes = await long;
        const flagged = await watch.stop();
        console.log(
          `gateway e2e: long generations took ${longOutcomes.map((o) => Math.round(o.ms)).join(", ")} ms; ${short.length} short requests meanwhile`,
        );

        expect(failures([...longOutcomes, ...short])).toEqual([]);
        for (const o of longOutcomes) {
          expect(o.servedBy).toBe(CHAT);
          expect(o.ms).toBeGreaterThanOrEqual(LONG_MS);
        }
        expect(new Set(short.map((o) => o.servedBy))).toEqual(new Set([CHAT]));
        expect(flagged, "inference-chat was reported unhealthy while it generated").toEqual([]);
      } finally {
        rig.chatServer.pace(0);
        await watch.stop();
      }
    },
  );

  it(
    `with one slot (p2's parallel: 1) a ${LONG_MS / 1000} s generation still completes; new requests move to inference-code while it holds the slot, none fails, and they come back`,
    { retry: 1, timeout: 150_000 },
    async () => {
      rig.chatServer.pace(MS_PER_TOKEN);
      rig.chatServer.limitSlots(1);
      const watch = watchUnhealthy(rig, rig.primaryDeployment(rig.chatModel));
      try {
        let done = false;
        const long = rig.request(rig.chatModel, { maxTokens: LONG_TOKENS, timeoutMs: 120_000 }).finally(() => (done = true));
        const short = await trickle(rig, 2, () => done);
        const longOutcome = await long;
        const endedAt = longOutcome.startedAt + longOutcome.ms;
        rig.chatServer.pace(0);
        let back: ChatOutcome | undefined;
        // Requests queued behind it run first (one slot), then the next check passes.
        while (!back && Date.now() < endedAt + LONG_MS + roundMs() + ROUND_SLACK_MS) {
          const o = await rig.request(rig.chatModel);
          if (o.servedBy === CHAT) back = o;
          else await sleep(200);
        }
        const flagged = await watch.stop();
        const diverted = short.filter((o) => o.servedBy === CODE).length;
        console.log(
          `gateway e2e: one slot: long generation ${Math.round(longOutcome.ms)} ms; ${diverted}/${short.length} short requests went to ${CODE}; ` +
            `flagged unhealthy ${flagged.length > 0 ? `${flagged[0]! - longOutcome.startedAt} ms after it started` : "never"}; ` +
            `back on ${CHAT} ${back ? Math.round(back.startedAt - endedAt) : "-"} ms after it ended`,
        );

        expect(failures([longOutcome, ...short])).toEqual([]);
        expect(longOutcome.servedBy).toBe(CHAT);
        expect(longOutcome.ms).toBeGreaterThanOrEqual(LONG_MS);
        // The check queued behind the generation, timed out, and requests went where a slot was free.
        expect(flagged.length).toBeGreaterThan(0);
        expect(diverted).toBeGreaterThan(0);
        expect(back, `chat traffic did not return to ${CHAT} after the long generation`).toBeDefined();
      } finally {
        rig.chatServer.pace(0);
        rig.chatServer.limitSlots(undefined);
        await watch.stop();
      }
    },
  );
});
