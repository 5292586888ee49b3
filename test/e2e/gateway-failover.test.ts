/**
 * The gateway's failover, proven against the real LiteLLM proxy at the pinned
 * image's version (installed into .cache/ by scripts/ensure-litellm.sh on first
 * run), running the config our renderer produces for p2, in front of two
 * llama-server stand-ins on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GATEWAY_PORT, planGateway } from "../../lib/plan/gateway";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { startFailoverRig, stackContext, type FailoverRig } from "../support/failover-rig";
import { CLIENT_PROMPT, type ChatOutcome } from "../support/gateway-client";
import { adaptProbePort, runCommand } from "../support/healthcheck-command";
import { ensureLiteLLM, type LiteLLMInstall } from "../support/litellm-install";
import { retryOnlyProxyCrashes } from "../support/proxy-crash-retry";
import { runSteadyStream } from "../support/steady-stream";

const CHAT = INFERENCE_SERVICE.chat;
const CODE = INFERENCE_SERVICE.code;
/** First-time pip install of litellm[proxy] takes minutes on a 2-core machine. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const RIG_TIMEOUT_MS = 150_000;

let install: LiteLLMInstall;

beforeAll(async () => {
  console.log("gateway e2e: making sure the LiteLLM proxy is installed (first run: pip install, a few minutes)");
  const started = Date.now();
  install = await ensureLiteLLM();
  console.log(`gateway e2e: LiteLLM ${install.version} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}, INSTALL_TIMEOUT_MS);

const failures = (outcomes: ChatOutcome[]) => outcomes.filter((o) => !o.ok).map((o) => `${o.status} ${o.error?.slice(0, 300)}`);

/** Sends requests until one is served by `server`, or the deadline passes; returns the first such outcome. */
async function firstServedBy(rig: FailoverRig, server: string, deadline: number): Promise<ChatOutcome | undefined> {
  while (Date.now() < deadline) {
    const outcome = await rig.request(rig.chatModel);
    if (outcome.servedBy === server) return outcome;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

describe("gateway with p2's rendered config", () => {
  let rig: FailoverRig;

  beforeAll(async () => {
    rig = await startFailoverRig({ install });
  }, RIG_TIMEOUT_MS);
  afterAll(async () => {
    await rig?.stop();
  });
  retryOnlyProxyCrashes(
    () => rig?.proxy,
    async () => {
      await rig.stop();
      rig = await startFailoverRig({ install });
    },
    RIG_TIMEOUT_MS,
  );

  it("sends chat requests to inference-chat only and code requests to inference-code only while both are up", { retry: 1 }, async () => {
    const since = Date.now();
    const outcomes: { model: string; outcome: ChatOutcome }[] = [];
    for (let i = 0; i < 20; i++) {
      for (const model of [rig.chatModel, rig.codeModel]) {
        outcomes.push({ model, outcome: await rig.request(model, { stream: i % 2 === 1 }) });
      }
    }
    expect(failures(outcomes.map((o) => o.outcome))).toEqual([]);
    const servedBy = (model: string) => new Set(outcomes.filter((o) => o.model === model).map((o) => o.outcome.servedBy));
    expect(servedBy(rig.chatModel)).toEqual(new Set([CHAT]));
    expect(servedBy(rig.codeModel)).toEqual(new Set([CODE]));
    // The stand-ins saw the same: 20 each, half streamed, named by their llama-server alias
    // (the gateway's background health checks, which ask something else, aside).
    const config = stackContext().config;
    for (const [server, alias] of [
      [rig.chatServer, config.inference.chat.alias],
      [rig.codeServer, config.inference.code.alias],
    ] as const) {
      const hits = server.hitsSince(since).filter((h) => h.prompt === CLIENT_PROMPT);
      expect(hits).toHaveLength(20);
      expect(hits.filter((h) => h.stream)).toHaveLength(10);
      expect(new Set(hits.map((h) => h.model))).toEqual(new Set([alias]));
    }
  });

  it(
    "loses no request when inference-chat is killed mid-stream, moves chat to inference-code, and moves it back once inference-chat returns",
    { retry: 1 },
    async () => {
      let killingAt = 0;
      let killedAt = 0;
      let restartingAt = 0;
      let restoredAt = 0;
      const { outcomes } = await runSteadyStream({
        total: 120,
        concurrency: 4,
        send: (i) => rig.request(rig.chatModel, { stream: i % 3 === 0 }),
        actions: [
          {
            beforeRequest: 40,
            run: async () => {
              killingAt = Date.now();
              await rig.chatServer.kill();
              killedAt = Date.now();
            },
          },
          {
            beforeRequest: 80,
            run: async () => {
              restartingAt = Date.now();
              await rig.chatServer.start();
              restoredAt = Date.now();
            },
          },
        ],
      });
      expect(failures(outcomes)).toEqual([]);
      // Requests wholly inside the outage were all answered by inference-code.
      const duringOutage = outcomes.filter((o) => o.startedAt >= killedAt && o.startedAt + o.ms < restartingAt);
      expect(duringOutage.length).toBeGreaterThan(20);
      expect(new Set(duringOutage.map((o) => o.servedBy))).toEqual(new Set([CODE]));
      const beforeKill = outcomes.filter((o) => o.startedAt + o.ms < killingAt);
      expect(new Set(beforeKill.map((o) => o.servedBy))).toEqual(new Set([CHAT]));

      // Back once a health check has seen it again: within one round (interval + timeout), plus scheduling slack.
      const { intervalSec, timeoutSec } = rig.settings.healthCheck!;
      const roundMs = (intervalSec + timeoutSec) * 1000 + 3000;
      const backInStream = outcomes.find((o) => o.startedAt >= restoredAt && o.servedBy === CHAT);
      const back = backInStream ?? (await firstServedBy(rig, CHAT, restoredAt + roundMs + 2000));
      expect(back, `chat traffic did not return to ${CHAT} within one round of health checks`).toBeDefined();
      expect(back!.startedAt - restoredAt).toBeLessThanOrEqual(roundMs);
      console.log(`gateway e2e: kill -> chat traffic on ${CODE}; restart -> back on ${CHAT} ${back!.startedAt - restoredAt} ms later`);
      const after = [];
      for (let i = 0; i < 10; i++) after.push(await rig.request(rig.chatModel));
      expect(new Set(after.map((o) => o.servedBy))).toEqual(new Set([CHAT]));
    },
  );

  it("answers a clear 5xx at once, not a hang, when both servers are down", { retry: 1 }, async () => {
    await rig.chatServer.kill();
    await rig.codeServer.kill();
    try {
      for (const model of [rig.chatModel, rig.codeModel]) {
        for (const stream of [false, true]) {
          // A hanging gateway would show up as status 0 (client gave up after 15 s).
          const outcome = await rig.request(model, { stream, timeoutMs: 15_000 });
          expect(outcome.status, outcome.error).toBeGreaterThanOrEqual(500);
          expect(outcome.status).toBeLessThan(600);
          const body = JSON.parse(outcome.error ?? "{}") as { error?: { message?: string } };
          expect(body.error?.message).toMatch(/connection error/i);
        }
      }
    } finally {
      await rig.chatServer.start();
      await rig.codeServer.start();
    }
    // Chat may go to inference-code until a health check has seen inference-chat back.
    const { intervalSec, timeoutSec } = rig.settings.healthCheck!;
    const recovered = await firstServedBy(rig, CHAT, Date.now() + (intervalSec + timeoutSec + 5) * 1000);
    expect(recovered, `chat traffic did not return to ${CHAT}`).toBeDefined();
  });

  it("passes the gateway container's own healthcheck command, which fails once the proxy is down", { retry: 1 }, async () => {
    const { healthcheck } = planGateway(stackContext());
    expect(healthcheck.test.slice(0, 2)).toEqual(["CMD", "python"]);
    const argv = adaptProbePort(healthcheck.test, GATEWAY_PORT, rig.proxy.port);
    const binaries = { python: install.python };

    const healthy = await runCommand(argv, binaries);
    expect(healthy.code, healthy.output).toBe(0);

    await rig.proxy.stop();
    const down = await runCommand(argv, binaries);
    expect(down.code, down.output).not.toBe(0);
  });
});

describe("gateway without health checks when inference-chat hangs (accepts, never answers): timeouts alone", () => {
  // Config for this scenario: a short request timeout, so the test does not wait p2's 60 s, and no
  // background health checks, so it measures what per-request timeouts and cooldowns do on their own
  // (test/e2e/gateway-wedge.test.ts covers the same fault with p2's health checks).
  const REQUEST_TIMEOUT_SEC = 2;
  const COOLDOWN_SEC = 5;
  let rig: FailoverRig;

  const startHangRig = () =>
    startFailoverRig({
      install,
      adjust: (s) => ({ ...s, requestTimeoutSec: REQUEST_TIMEOUT_SEC, cooldownSec: COOLDOWN_SEC, healthCheck: undefined }),
    });

  beforeAll(async () => {
    rig = await startHangRig();
  }, RIG_TIMEOUT_MS);
  afterAll(async () => {
    await rig?.stop();
  });
  retryOnlyProxyCrashes(
    () => rig?.proxy,
    async () => {
      await rig.stop();
      rig = await startHangRig();
    },
    RIG_TIMEOUT_MS,
  );

  it("fails chat requests over to inference-code after the configured timeout, and returns after the cooldown", { retry: 1 }, async () => {
    expect((await rig.request(rig.chatModel)).servedBy).toBe(CHAT);
    rig.chatServer.hang();
    const outcomes: ChatOutcome[] = [];
    for (let i = 0; i < 4; i++) {
      // Ten times the configured timeout: a gateway that ignored it (p2 default 60 s) fails here.
      outcomes.push(await rig.request(rig.chatModel, { stream: i % 2 === 1, timeoutMs: REQUEST_TIMEOUT_SEC * 10_000 }));
    }
    expect(failures(outcomes)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.servedBy))).toEqual(new Set([CODE]));
    // inference-chat really was tried, and the gateway gave up on it rather than leaving it open.
    expect(rig.chatServer.hungRequests).toBeGreaterThan(0);
    // (the close may reach the stand-in just after the backup's answer reached the client)
    await vi.waitFor(() => expect(rig.chatServer.abandonedRequests).toBe(rig.chatServer.hungRequests), { timeout: 5000 });
    console.log(
      `gateway e2e: hang -> served by ${CODE} in ${outcomes.map((o) => Math.round(o.ms)).join(", ")} ms (timeout ${REQUEST_TIMEOUT_SEC} s)`,
    );

    rig.chatServer.recover();
    const recoveredAt = Date.now();
    const back = await firstServedBy(rig, CHAT, recoveredAt + (COOLDOWN_SEC + 10) * 1000);
    expect(back, `chat traffic did not return to ${CHAT} after the ${COOLDOWN_SEC} s cooldown`).toBeDefined();
    console.log(`gateway e2e: hang ended -> back on ${CHAT} ${back!.startedAt - recoveredAt} ms later (cooldown ${COOLDOWN_SEC} s)`);
  });

  it(
    "bounds a stream's wait for each chunk, the first token included, but not the stream; a non-streamed answer is bounded as a whole",
    { retry: 1, timeout: 90_000 },
    async () => {
      // Enough successes this minute that the timeouts (the hang's and the two below) stay under LiteLLM's
      // 50 % cooldown ratio, so the second timeout still reaches inference-chat.
      for (let i = 0; i < 10; i++) expect((await rig.request(rig.chatModel)).servedBy).toBe(CHAT);
      const limitMs = REQUEST_TIMEOUT_SEC * 1000;
      try {
        // Twice the timeout in all, a token every 50 ms: every read is quick, so the stream runs to its end.
        rig.chatServer.pace(50);
        const longStream = await rig.request(rig.chatModel, { stream: true, maxTokens: (2 * limitMs) / 50, timeoutMs: 30_000 });
        // The first token later than the timeout: llama-server sends no headers before it, so the stream fails over.
        rig.chatServer.pace(limitMs + 1000);
        const lateFirstToken = await rig.request(rig.chatModel, { stream: true, maxTokens: 2, timeoutMs: 30_000 });
        // The same generation not streamed: no byte before it is done, so the timeout cuts it and it fails over.
        rig.chatServer.pace(50);
        const longPlain = await rig.request(rig.chatModel, { maxTokens: (2 * limitMs) / 50, timeoutMs: 30_000 });
        console.log(
          `gateway e2e: stream_timeout ${REQUEST_TIMEOUT_SEC} s: ${2 * REQUEST_TIMEOUT_SEC} s stream served by ${longStream.servedBy} in ${Math.round(longStream.ms)} ms; ` +
            `late first token served by ${lateFirstToken.servedBy} in ${Math.round(lateFirstToken.ms)} ms; ` +
            `${2 * REQUEST_TIMEOUT_SEC} s non-streamed answer served by ${longPlain.servedBy} in ${Math.round(longPlain.ms)} ms`,
        );
        expect(failures([longStream, lateFirstToken, longPlain])).toEqual([]);
        expect(longStream.servedBy).toBe(CHAT);
        expect(longStream.ms).toBeGreaterThanOrEqual(2 * limitMs);
        expect(lateFirstToken.servedBy).toBe(CODE);
        expect(lateFirstToken.ms).toBeGreaterThanOrEqual(limitMs);
        expect(longPlain.servedBy).toBe(CODE);
        expect(longPlain.ms).toBeGreaterThanOrEqual(limitMs);
        expect(longPlain.ms).toBeLessThan(2 * limitMs);
      } finally {
        rig.chatServer.pace(0);
      }
    },
  );
});
