/**
 * The plan's llama-server probe on the real llama-server b9851, judged by
 * Docker's own health state machine, with the plan's own probe timings:
 * - wedged: the server's main thread (its inference loop) stopped by ptrace
 *   while the HTTP threads still answer /health. The probe finds /metrics
 *   unanswered and the loop's thread idle, and Docker calls the container
 *   unhealthy within one interval plus `retries` probes.
 * - busy: one 3000-token prompt batch on a CPU keeps /metrics waiting longer
 *   than the probe's wait, but the loop's thread is running, so the probe
 *   says "busy" and the container stays healthy.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../lib/config/load";
import { PINNED_IMAGES } from "../../lib/images";
import { planContext } from "../../lib/plan/define-service";
import {
  CONTAINER_MODELS_DIR,
  LLAMA_API_KEY_FILE,
  LLAMA_API_KEY_FILE_SPEC,
  METRICS_WAIT_SEC,
  planInferenceServer,
} from "../../lib/plan/inference";
import { freePort } from "../support/free-ports";
import { PROJECT_DIR } from "../support/pulumi-harness";
import { requireRealImages } from "../support/real-images";
import { TINY_MODELS } from "../support/real-models/tiny-gguf";
import { ensureTinyModels } from "../support/real-models/test-lock";
import { wedgeThread } from "../support/wedge-thread";
import { inspect, waitFor, watchProbes, type ProbeRun } from "../deploy/fault-rig";
import { sendLongPrompt, watchMetricsWait } from "../support/real-models/long-prompt";
import { engine } from "./docker-engine";

const NS = 1_000_000_000;
const name = `local-ai-suite-test-llama-probe-${process.pid}`;
const models = fs.mkdtempSync(path.join(os.tmpdir(), "llama-probe-"));
/** The key file the plan ships into the container (here a bind of a directory holding it). */
const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "llama-probe-secrets-"));
const apiKey = `probe-test-key-${process.pid}`;
let url: string;

/** The chat server as planned in CPU mode, on the deep test model, sized for one 4096-token batch. */
function planned() {
  const config = parseStackConfig({
    gpus: [],
    inference: {
      mode: "cpu",
      cpuImage: PINNED_IMAGES.llamaCppCpu,
      chat: {
        model: TINY_MODELS.deep.file,
        ctxSize: 4608,
        batchSize: 4096,
        ubatchSize: 512,
        threads: 2,
        memoryMiB: 512,
        cpus: 0.5,
        loadTimeoutSec: 10,
      },
    },
  });
  return planInferenceServer(planContext(config, { stack: "test", projectDir: PROJECT_DIR }), "chat", 0);
}

/** Polls until Docker reports `wanted`; resolves to when it did. */
async function waitForStatus(wanted: string, timeoutMs: number): Promise<number> {
  const at = await waitFor(async () => ((await inspect(name)).health === wanted ? Date.now() : undefined), timeoutMs, 200);
  if (at === undefined) throw new Error(`${name} was not ${wanted} within ${timeoutMs} ms (now ${(await inspect(name)).health})`);
  return at;
}

beforeAll(async () => {
  await requireRealImages();
  const dir = await ensureTinyModels();
  fs.copyFileSync(path.join(dir, TINY_MODELS.deep.file), path.join(models, TINY_MODELS.deep.file));
  const spec = planned();
  expect(spec.files).toContainEqual(LLAMA_API_KEY_FILE_SPEC);
  fs.writeFileSync(path.join(secrets, path.basename(LLAMA_API_KEY_FILE)), `${apiKey}\n`);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const h = spec.healthcheck;
  await engine("DELETE", `/containers/${name}?force=true`);
  const created = await engine<{ Id: string; message?: string }>("POST", `/containers/create?name=${name}`, {
    Image: PINNED_IMAGES.llamaCppCpu,
    Cmd: spec.command,
    ExposedPorts: { "8001/tcp": {} },
    Healthcheck: {
      Test: h.test,
      Interval: h.intervalSec * NS,
      Timeout: h.timeoutSec * NS,
      StartPeriod: h.startPeriodSec * NS,
      Retries: h.retries,
    },
    HostConfig: {
      Binds: [`${models}:${CONTAINER_MODELS_DIR}:ro`, `${secrets}:${path.dirname(LLAMA_API_KEY_FILE)}:ro`],
      PortBindings: { "8001/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] },
      NanoCpus: spec.limits.cpus * NS,
      Memory: spec.limits.memoryMiB * 1024 * 1024,
    },
  });
  if (created.status !== 201) throw new Error(`creating ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  await engine("POST", `/containers/${name}/start`);
  await waitForStatus("healthy", 60_000);
}, 180_000);

afterAll(async () => {
  await engine("DELETE", `/containers/${name}?force=true`);
  fs.rmSync(models, { recursive: true, force: true });
  fs.rmSync(secrets, { recursive: true, force: true });
});

describe("the plan's llama-server probe on the real server", () => {
  it("calls a wedged inference loop unhealthy (while /health still says ok), and healthy again once it runs", async () => {
    const h = planned().healthcheck;
    const { pid } = await inspect(name);
    const wedge = await wedgeThread(pid);
    try {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      expect(health.status).toBe(200);
      // One interval until the next probe, then `retries` probes that each wait out their timeout.
      const bound = (h.intervalSec + h.retries * (h.intervalSec + h.timeoutSec)) * 1000 + 5000;
      const unhealthyAt = await waitForStatus("unhealthy", bound);
      console.log(`wedge: unhealthy ${((unhealthyAt - wedge.stoppedAt) / 1000).toFixed(1)} s after the main thread stopped`);
      const last = (await inspect(name)).healthLog.at(-1)!;
      expect(last.exitCode).toBe(1);
      expect(last.output).toMatch(new RegExp(`wedged: /metrics unanswered for ${METRICS_WAIT_SEC} s and the inference thread ran 0 ticks`));
    } finally {
      await wedge.release();
    }
    await waitForStatus("healthy", (h.intervalSec + h.timeoutSec) * 1000 + 10_000);
  }, 90_000);

  it("keeps a server busy in one long prompt batch healthy: /metrics waits longer than the probe does, and the probe says busy", async () => {
    const h = planned().healthcheck;
    const probeWatch = watchProbes(name);
    const metricsWatch = watchMetricsWait(url, apiKey);
    const started = Date.now();
    let probes: ProbeRun[];
    let statuses: Set<string>;
    let worstMetricsMs: number;
    try {
      // Two in a row, so at least one probe falls inside a batch whatever its phase.
      for (let i = 0; i < 2; i++) {
        const answer = await sendLongPrompt(url, 500, apiKey);
        expect(answer.status).toBe(200);
        console.log(`busy: prompt of ${answer.promptTokens} tokens in ${Math.round(answer.promptMs ?? 0)} ms`);
      }
      // Let the probe that was running at the end finish and be recorded.
      await new Promise((r) => setTimeout(r, (h.timeoutSec + 1) * 1000));
    } finally {
      ({ probes, statuses } = await probeWatch.stop());
      worstMetricsMs = await metricsWatch.stop();
    }
    const during = probes.filter((p) => p.start >= started);
    console.log(
      `busy: /metrics waited up to ${worstMetricsMs} ms; probes: ${during.map((p) => `exit ${p.exitCode} ${p.output.split("\n").at(-1)!.slice(0, 90) || "ok"}`).join(" | ")}`,
    );
    // Otherwise the batches were too short to test anything.
    expect(worstMetricsMs).toBeGreaterThan(METRICS_WAIT_SEC * 1000);
    expect(during.some((p) => p.exitCode === 0 && p.output.includes("busy: /metrics waited"))).toBe(true);
    expect(during.every((p) => p.exitCode === 0)).toBe(true);
    expect([...statuses]).toEqual(["healthy"]);
  }, 360_000);
});
