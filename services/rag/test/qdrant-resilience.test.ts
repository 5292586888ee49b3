/**
 * Qdrant calls under failure: attempts and waits stay within QDRANT_MAX_RETRIES
 * and QDRANT_RETRY_MIN_WAIT/MAX_WAIT, only transient failures are retried,
 * QDRANT_TIMEOUT bounds each attempt, and QDRANT_API_KEY is sent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { backoffCeilingMs } from "../../common/src/retry.ts";
import { blackholePort } from "../../../test/support/blackhole-port";
import { paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

const POLICY = { maxAttempts: 4, minWaitMs: 50, maxWaitMs: 150 };
const isQuery = (r: { method: string; path: string }) => r.method === "POST" && r.path.endsWith("/points/query");

describe("retries with real waits", () => {
  let rig: RagRig;

  beforeAll(async () => {
    rig = await startRagRig({
      env: { QDRANT_MAX_RETRIES: "4", QDRANT_RETRY_MIN_WAIT: "0.05", QDRANT_RETRY_MAX_WAIT: "0.15", QDRANT_TIMEOUT: "0.25" },
    });
    rig.write("cats.md", paragraph("feline", 20));
    expect((await rig.post("/index?collection=kb")).status).toBe(200);
  });
  afterAll(async () => {
    await rig?.stop();
  });
  afterEach(() => {
    rig.qdrant.clearFaults();
    rig.qdrant.delayMs = 0;
  });

  it("retries a 503 until it succeeds, waiting at least QDRANT_RETRY_MIN_WAIT between attempts and counting each retry", async () => {
    const before = rig.qdrant.requests.filter(isQuery).length;
    rig.qdrant.failNext(3, 503, isQuery);

    const res = await rig.post("/query", { query: "feline", collection: "kb" });

    expect(res.status).toBe(200);
    const attempts = rig.qdrant.requests.filter(isQuery).slice(before);
    expect(attempts).toHaveLength(4);
    attempts.slice(1).forEach((attempt, i) => {
      const gap = attempt.at - attempts[i]!.at;
      // Timers may fire a millisecond early; the upper bound is loose on purpose (a loaded machine).
      expect(gap).toBeGreaterThanOrEqual(POLICY.minWaitMs - 2);
      expect(gap).toBeLessThan(backoffCeilingMs(i + 1, POLICY) + 1500);
    });
    const metrics = (await rig.get("/metrics")).text;
    expect(metrics).toContain('rag_qdrant_retries_total{operation="query"} 3');
  });

  it("gives up after QDRANT_MAX_RETRIES attempts and answers 503 with Qdrant's error", async () => {
    const before = rig.qdrant.requests.filter(isQuery).length;
    rig.qdrant.failWhile(isQuery, 503);

    const res = await rig.post("/query", { query: "feline", collection: "kb" });

    expect(res.status).toBe(503);
    expect(res.body.detail).toContain("qdrant query answered 503: Service internal error: injected fault 503");
    expect(rig.qdrant.requests.filter(isQuery).length - before).toBe(4);
    expect((await rig.get("/metrics")).text).toContain('rag_upstream_errors_total{upstream="qdrant",reason="http_5xx"}');
  });

  it("does not retry a 400 (a request Qdrant will never accept)", async () => {
    const before = rig.qdrant.requests.filter(isQuery).length;
    rig.qdrant.failNext(1, 400, isQuery);

    const res = await rig.post("/query", { query: "feline", collection: "kb" });

    expect(res.status).toBe(502);
    expect(rig.qdrant.requests.filter(isQuery).length - before).toBe(1);
  });

  it("applies QDRANT_TIMEOUT to each attempt of a slow Qdrant, then answers 504", async () => {
    const before = rig.qdrant.requests.filter(isQuery).length;
    rig.qdrant.delayMs = 1000;
    const started = performance.now();

    const res = await rig.post("/query", { query: "feline", collection: "kb" });
    const ms = performance.now() - started;

    expect(res.status).toBe(504);
    expect(res.body.detail).toMatch(/qdrant did not answer GET .*\/collections\/kb within 250 ms/);
    // 4 attempts of 250 ms plus 3 waits of at least 50 ms; far less than 4 slow answers of 1 s.
    expect(ms).toBeGreaterThanOrEqual(4 * 250 + 3 * 50 - 10);
    expect(ms).toBeLessThan(4 * 1000);
    // The first call (the collection lookup) never got an answer in time, so no search was sent.
    expect(rig.qdrant.requests.filter(isQuery).length - before).toBe(0);
  });
});

describe("QDRANT_CONNECT_TIMEOUT", () => {
  let rig: RagRig;

  beforeAll(async () => {
    rig = await startRagRig({ env: { QDRANT_MAX_RETRIES: "3", QDRANT_RETRY_MIN_WAIT: "0.05", QDRANT_RETRY_MAX_WAIT: "0.1" } });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("ends each attempt whose TCP handshake never completes (a Qdrant container gone mid-connect) and retries it, well before QDRANT_TIMEOUT", async () => {
    const blackhole = await blackholePort();
    try {
      await rig.restartRag({ QDRANT_URL: `http://127.0.0.1:${blackhole.port}`, QDRANT_CONNECT_TIMEOUT: "0.3", QDRANT_TIMEOUT: "20" });
      const started = performance.now();
      const res = await rig.post("/query", { query: "feline", collection: "kb" });
      const ms = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.body.detail).toBe(`qdrant: no connection to 127.0.0.1:${blackhole.port} within 300 ms`);
      // 3 attempts of 300 ms and 2 waits of at least 50 ms; one attempt alone would have taken 20 s.
      expect(ms).toBeGreaterThanOrEqual(3 * 300 + 2 * 50 - 10);
      expect(ms).toBeLessThan(10_000);
      expect((await rig.get("/metrics")).text).toContain('rag_qdrant_retries_total{operation="get_collection"} 2');
    } finally {
      blackhole.close();
      await rig.restartRag({});
    }
  });
});

describe("retry schedule inside the bounds (recorded waits)", () => {
  let rig: RagRig;
  const waits: number[] = [];
  let dice: () => number = Math.random;

  beforeAll(async () => {
    rig = await startRagRig({
      env: { QDRANT_MAX_RETRIES: "6", QDRANT_RETRY_MIN_WAIT: "2", QDRANT_RETRY_MAX_WAIT: "10" },
      // Recorded instead of slept, so the reference's defaults (2 s to 10 s) can be checked quickly.
      overrides: { sleep: async (ms) => void waits.push(ms), random: () => dice() },
    });
    rig.write("cats.md", paragraph("feline", 20));
    expect((await rig.post("/index?collection=kb")).status).toBe(200);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("with Qdrant down: QDRANT_MAX_RETRIES attempts, every wait between 2 s and a ceiling that doubles up to 10 s, and a 503", async () => {
    await rig.qdrant.stop();
    try {
      for (let round = 0; round < 20; round++) {
        waits.length = 0;
        const res = await rig.post("/query", { query: "feline", collection: "kb" });
        expect(res.status).toBe(503);
        expect(res.body.detail).toContain("qdrant unreachable");
        expect(waits).toHaveLength(5);
        waits.forEach((ms, i) => {
          expect(ms).toBeGreaterThanOrEqual(2000);
          expect(ms).toBeLessThanOrEqual(Math.min(10_000, 2000 * 2 ** (i + 1)));
        });
      }
    } finally {
      await rig.qdrant.start();
    }
  });

  it("the waits are jittered: the dice move them between the floor and the ceiling", async () => {
    rig.qdrant.failWhile(isQuery, 503);
    try {
      const run = async (roll: number) => {
        dice = () => roll;
        waits.length = 0;
        await rig.post("/query", { query: "feline", collection: "kb" });
        return waits.slice();
      };
      expect(await run(0)).toEqual([2000, 2000, 2000, 2000, 2000]);
      expect(await run(0.5)).toEqual([3000, 5000, 6000, 6000, 6000]);
      expect(await run(0.999999)).toEqual([4000, 8000, 10_000, 10_000, 10_000].map((c) => 2000 + 0.999999 * (c - 2000)));
    } finally {
      dice = Math.random;
      rig.qdrant.clearFaults();
    }
  });
});

describe("QDRANT_API_KEY", () => {
  let rig: RagRig;

  beforeAll(async () => {
    rig = await startRagRig({ qdrantApiKey: "qdrant-secret" });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("is sent as the api-key header on every Qdrant call", async () => {
    rig.write("cats.md", paragraph("feline", 20));
    expect((await rig.post("/index?collection=kb")).status).toBe(200);
    expect((await rig.post("/query", { query: "feline", collection: "kb" })).status).toBe(200);
    expect((await rig.get("/health")).status).toBe(200);
    expect(rig.qdrant.requests.length).toBeGreaterThan(4);
    expect(rig.qdrant.requests.every((r) => r.headers["api-key"] === "qdrant-secret")).toBe(true);
  });

  it("a wrong key is not retried and is named in the error and in /health", async () => {
    await rig.restartRag({ QDRANT_API_KEY: "wrong" });
    try {
      const before = rig.qdrant.requests.length;
      const res = await rig.post("/query", { query: "feline", collection: "kb" });
      expect(res.status).toBe(502);
      expect(res.body.detail).toContain("answered 401 (check QDRANT_API_KEY): Invalid API key or JWT");
      expect(rig.qdrant.requests.length - before).toBe(1);
      const health = await rig.get("/health");
      expect(health.status).toBe(503);
      expect(health.body.dependencies.qdrant).toEqual({ status: "unhealthy", error: expect.stringContaining("check QDRANT_API_KEY") });
    } finally {
      await rig.restartRag({});
    }
  });
});
