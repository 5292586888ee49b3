/**
 * `npm run bench:faults [-- --only kill,wedge] [--rate 10] [--rag-rate 4] [--hold-s 10] [--long-outage-s 35]`:
 * what faults cost on the real deploy lane. Deploys the stack with `pulumi up`
 * (test/deploy/faults-stack.ts: the real llama-server b9851, Qdrant v1.16.3 and
 * LiteLLM v1.106.2 images, our RAG, embedding and healer built from services/),
 * sends traffic through the deployed LiteLLM container, and injects, in turn:
 *   kill          the chat server's process crashes (SIGKILL from the host; the restart policy applies)
 *   pause         docker pause of the chat server, then unpause
 *   slow          the chat server's CPU quota cut to a third (docker update --cpus), held, then given back
 *   busy          one long prompt keeps the chat server's inference loop in a batch for seconds: its
 *                 probe must say busy, and nothing may restart it
 *   wedge         the chat server's inference loop stops (ptrace stops its main thread; the HTTP threads
 *                 still answer /health): its probe fails, Docker marks it unhealthy, the healer restarts it
 *   qdrant-short  docker stop + start of Qdrant, shorter than RAG's retry budget, under RAG /query traffic
 *   qdrant-long   Qdrant stopped for longer than that budget
 * One line per fault (lib/gateway/failover-report.ts deployFaultLine; docs/faults.md defines
 * each field and the bars). Destroys the stack at the end and removes whatever carries its
 * label, also after a failure. Exits 1 when the run broke or a bar was missed.
 */
import * as os from "node:os";
import { deployFaultFigures, deployFaultLine, percentile, type DeployFaultFigures } from "../lib/gateway/failover-report";
import { planContext } from "../lib/plan/define-service";
import { MASTER_KEY_ENV } from "../lib/plan/gateway";
import { INFERENCE_SERVICE, METRICS_WAIT_SEC } from "../lib/plan/inference";
import { DockerEvents } from "../test/deploy/docker-events";
import {
  containerEnv,
  containerLogs,
  crashMainProcess,
  inspect,
  llamaApiKey,
  openLoop,
  ragQuery,
  sameData,
  sleep,
  stackData,
  waitFor,
  waitForHttp,
  waitForRestart,
  watchOutage,
  watchProbes,
  writeDocuments,
  type ContainerState,
  type RagOutcome,
  type StackData,
} from "../test/deploy/fault-rig";
import { prepareFaultsDeploy, type FaultsDeploy } from "../test/deploy/faults-stack";
import { dockerOk } from "../test/support/docker-cli";
import { realVersions } from "../test/support/real-images";
import { deployedGatewayRig, type GatewayRig } from "../test/support/failover-rig";
import type { ChatOutcome } from "../test/support/gateway-client";
import { sendLongPrompt, watchMetricsWait, type PromptResult } from "../test/support/real-models/long-prompt";
import { wedgeThread } from "../test/support/wedge-thread";
import { backoffCeilingMs } from "../services/common/src/retry.ts";
import { loadRagConfig } from "../services/rag/src/config.ts";

const argv = process.argv.slice(2);
function numArg(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}
/** `--only kill,qdrant-long`: run only these faults (for working on one; the bars of the others are not judged). */
const ONLY = argv.includes("--only") ? argv[argv.indexOf("--only") + 1]!.split(",") : undefined;
const wanted = (fault: string) => !ONLY || ONLY.includes(fault);
const RATE = numArg("rate", 10);
const RAG_RATE = numArg("rag-rate", 4);
const HOLD_MS = numArg("hold-s", 10) * 1000;
const LONG_OUTAGE_MS = numArg("long-outage-s", 35) * 1000;
/** The wedged server must be running again (restarted by the healer) within this of the wedge. */
const WEDGE_RESTART_BOUND_MS = 30_000;
/** The gateway's bound for requests started after the detection (docs/litellm-failover.md). */
const GATEWAY_BOUND_MS = 5000;
const BASELINE_MS = 3000;
const COLLECTION = "faults";
const SAMPLE = { query: "why do cats purr", collection: COLLECTION };

const log = (line: string) => console.log(`  ${line}`);
const s = (ms: number) => (ms / 1000).toFixed(2);

interface FaultResult {
  name: string;
  figures: DeployFaultFigures;
  /** Bars this fault missed, each with why. */
  missed: string[];
  faultAt: number;
  /** Services the bench itself started again (not the stack's doing). */
  benchStarted?: string[];
}

interface Bench {
  deploy: FaultsDeploy;
  rig: GatewayRig;
  events: DockerEvents;
  chatName: string;
  ragUrl: string;
  qdrantUrl: string;
  qdrantHeaders: Record<string, string>;
  reference: StackData;
  /**
   * RAG's retry budget for one Qdrant call, from its effective settings: the
   * shortest and longest total backoff, and the longest the call can take while
   * Qdrant is unreachable (every attempt's connect deadline plus the longest backoff).
   */
  retry: { attempts: number; connectMs: number; spanMinMs: number; spanMaxMs: number; unreachableMaxMs: number };
}

/** Containers the stack (re)started on its own since `since`: Docker's restart policy, or the healer (which restarts through the API). */
function restartsSince(b: Bench, since: number, benchStarted: string[] = []): string[] {
  const byBench = new Set(benchStarted.map((service) => b.deploy.name(service)));
  const started = b.events.events.filter((e) => e.action === "start" && e.at >= since && !byBench.has(e.name));
  return [...new Set(started.map((e) => e.name))].map((name) => {
    const how =
      b.events.of(name, "restart", since).length > 0
        ? "restarted through the API (the healer)"
        : "started again by Docker's restart policy";
    return `${name.slice(b.deploy.e2e.prefix.length)} ${how}`;
  });
}

async function checkData(b: Bench): Promise<boolean> {
  // RAG's answer goes through the gateway: ask once the chat route is back, since the RAG prompt
  // can exceed the fallback (code) server's smaller context (a 400 from the gateway, docs/faults.md).
  await settle(b);
  const after = await stackData(b.qdrantUrl, b.qdrantHeaders, b.ragUrl, SAMPLE);
  const intact = sameData(b.reference, after);
  if (!intact) log(`data changed: before ${JSON.stringify(b.reference)} after ${JSON.stringify(after)}`);
  return intact;
}

/**
 * Waits until Docker calls every container of the stack healthy (so the
 * healer has nothing left to do about the last fault), the gateway reports no
 * unhealthy route and the chat server answers chat requests again.
 */
async function settle(b: Bench): Promise<void> {
  const names = b.deploy.e2e.plan.services.map((x) => b.deploy.name(x.service));
  const healthy = await waitFor(
    async () => {
      const states = await Promise.all(names.map((name) => inspect(name)));
      return states.every((x) => x.running && !x.paused && (x.health === "healthy" || x.health === "none")) ? true : undefined;
    },
    120_000,
    1000,
  );
  if (!healthy) {
    const states = await Promise.all(
      names.map(async (name) => `${name.slice(b.deploy.e2e.prefix.length)}=${(await inspect(name)).health}`),
    );
    throw new Error(`the stack's containers did not all turn healthy within 120 s: ${states.join(" ")}`);
  }
  const ok = await waitFor(
    async () => {
      const unhealthy = await b.rig.unhealthyDeployments();
      if (!unhealthy || unhealthy.size > 0) return undefined;
      const answer = await b.rig.request(b.rig.chatModel, { timeoutMs: 10_000 });
      return answer.ok && answer.servedBy === INFERENCE_SERVICE.chat ? true : undefined;
    },
    60_000,
    500,
  );
  if (!ok)
    throw new Error(`the gateway did not settle: unhealthy routes ${JSON.stringify([...((await b.rig.unhealthyDeployments()) ?? [])])}`);
}

interface GatewayFaultContext {
  faultAt: number;
  /** Resolves when the gateway reports the chat route unhealthy (epoch ms), or undefined after `withinMs`. */
  detection(withinMs: number): Promise<number | undefined>;
  /** Median latency of the requests that completed so far. */
  baselineMs(): number;
  /** The requests that completed so far. */
  completed(): ChatOutcome[];
}

interface GatewayFaultSpec {
  /** Injects the fault; may return when it took effect (epoch ms), which then counts as the fault's time. */
  inject(ctx: GatewayFaultContext): Promise<number | void>;
  /** Holds the fault and ends it (or waits for the stack to); when the fault was over, the bench's last action, and when the stack restarted the server. */
  end(ctx: GatewayFaultContext): Promise<{ windowEnd: number; lastActionAt: number; restartedAt?: number }>;
  /** How long, after the last action, traffic may take to come back to the chat server. */
  recoverWithinMs: number;
  /** A request (started after the last action) that shows the chat server back; default: the chat server answered it. */
  isBack?(o: ChatOutcome, baselineMs: number): boolean;
}

async function gatewayFault(
  b: Bench,
  name: string,
  spec: GatewayFaultSpec,
): Promise<{ outcomes: ChatOutcome[]; figures: DeployFaultFigures; detectedAt?: number; faultAt: number; lastActionAt: number }> {
  const deployment = b.rig.primaryDeployment(b.rig.chatModel);
  let faultAt: number | undefined;
  let detectedAt: number | undefined;
  // Every poll of the gateway's /health: when the chat route was reported unhealthy, and when not.
  // The detection is when the first "unhealthy" answer arrived: a request sent after that
  // certainly found the verdict in place (on a loaded machine the poll itself can take seconds).
  const verdicts: { at: number; answeredAt: number; unhealthy: boolean | undefined; all: string }[] = [];
  let detectionPollMs: number | undefined;
  let polling = true;
  const watch = (async () => {
    while (polling) {
      const at = Date.now();
      const set = await b.rig.unhealthyDeployments();
      const unhealthy = set?.has(deployment);
      const answeredAt = Date.now();
      verdicts.push({ at, answeredAt, unhealthy, all: set ? [...set].sort().join("+") || "none" : "?" });
      if (unhealthy && faultAt !== undefined && detectedAt === undefined && at >= faultAt) {
        detectedAt = answeredAt;
        detectionPollMs = answeredAt - at;
      }
      await sleep(200 - (Date.now() - at));
    }
  })();
  const done: ChatOutcome[] = [];
  const stream = openLoop(async (i) => {
    const outcome = await b.rig.request(b.rig.chatModel, { stream: i % 3 === 2, timeoutMs: 120_000 });
    done.push(outcome);
    return outcome;
  }, RATE);
  let outcomes: ChatOutcome[] = [];
  let timeline: { windowEnd: number; lastActionAt: number; restartedAt?: number };
  let baselineMs = 0;
  const isBack = (o: ChatOutcome) => o.ok && o.servedBy === INFERENCE_SERVICE.chat && (spec.isBack ? spec.isBack(o, baselineMs) : true);
  try {
    await sleep(BASELINE_MS);
    faultAt = Date.now();
    const at = faultAt;
    const ctx: GatewayFaultContext = {
      faultAt: at,
      detection: async (withinMs) => (await waitFor(async () => detectedAt, Math.max(0, at + withinMs - Date.now()), 50)) ?? undefined,
      baselineMs: () =>
        percentile(
          done.filter((o) => o.ok && o.startedAt + o.ms < Date.now()).map((o) => o.ms),
          50,
        ),
      completed: () => [...done],
    };
    baselineMs = ctx.baselineMs();
    const tookEffect = await spec.inject(ctx);
    if (tookEffect) faultAt = ctx.faultAt = tookEffect;
    timeline = await spec.end(ctx);
    const backBy = timeline.lastActionAt + spec.recoverWithinMs;
    await waitFor(
      async () => (done.some((o) => o.startedAt >= timeline.lastActionAt && isBack(o)) ? true : undefined),
      Math.max(0, backBy - Date.now()),
      50,
    );
    await sleep(1000);
  } finally {
    outcomes = await stream.stop();
    polling = false;
    await watch;
  }
  // The verdict's changes from the fault on (+seconds), to see whether it held.
  const changes: string[] = [];
  let last: string | null = null;
  for (const v of verdicts.filter((x) => x.at >= faultAt!)) {
    if (v.all === last) continue;
    last = v.all;
    changes.push(
      `+${s(v.answeredAt - faultAt!)} ${v.unhealthy === undefined ? "no answer" : v.unhealthy ? "unhealthy" : "healthy"} (unhealthy: ${v.all})`,
    );
  }
  const pollMs = verdicts.map((v) => v.answeredAt - v.at);
  log(
    `${name}: gateway /health verdicts on the chat route (when answered): ${changes.join(", ")}; /health polls took p50 ${Math.round(percentile(pollMs, 50))} ms, max ${Math.round(Math.max(...pollMs))} ms` +
      (detectionPollMs === undefined ? "" : `, the detecting one ${detectionPollMs} ms`) +
      `; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")}`,
  );
  const restarts = restartsSince(b, faultAt!);
  if (restarts.length) log(`restarts: ${restarts.join("; ")}`);
  const dataIntact = await checkData(b);
  const figures = deployFaultFigures(
    outcomes,
    {
      faultAt: faultAt!,
      detectedAt,
      windowEnd: timeline.windowEnd,
      lastActionAt: timeline.lastActionAt,
      restartedAt: timeline.restartedAt,
    },
    { restarted: restarts.length > 0, dataIntact },
    isBack,
  );
  const phase = (from: number, to: number) => {
    const slice = outcomes.filter((o) => o.startedAt >= from && o.startedAt < to);
    const by = (alias: string) => slice.filter((o) => o.servedBy === alias).length;
    return `${slice.length} (chat=${by(INFERENCE_SERVICE.chat)} code=${by(INFERENCE_SERVICE.code)} failed=${slice.filter((o) => !o.ok).length} slowest_ms=${Math.round(Math.max(0, ...slice.map((o) => o.ms)))})`;
  };
  const from = detectedAt ?? faultAt!;
  log(
    `${name}: baseline p50 ${Math.round(figures.baselineMs)} ms; detect_s=${detectedAt === undefined ? "none" : s(detectedAt - faultAt!)}` +
      `${figures.afterDetectionMaxExtraMs === undefined ? "" : ` (max extra wait of requests started after it ${Math.round(figures.afterDetectionMaxExtraMs)} ms)`}; ` +
      `requests started before the fault ${phase(0, faultAt!)}, ${detectedAt === undefined ? "" : `fault..detection ${phase(faultAt!, from)}, `}` +
      `${detectedAt === undefined ? "fault" : "detection"}..end ${phase(from, timeline.windowEnd)}, after ${phase(timeline.windowEnd, Infinity)}`,
  );
  for (const o of outcomes.filter((x) => !x.ok).slice(0, 3)) log(`failed: status ${o.status} ${o.error?.slice(0, 200)}`);
  if (detectedAt !== undefined) {
    // Requests the chat server answered although they started after the detection: the router still sent them there.
    const late = outcomes.filter(
      (o) => o.startedAt >= detectedAt! && o.startedAt < timeline.windowEnd && o.servedBy === INFERENCE_SERVICE.chat,
    );
    if (late.length)
      log(
        `${name}: served by the faulted chat server although started after the detection: ${late.map((o) => `+${s(o.startedAt - faultAt!)} (${Math.round(o.ms)} ms)`).join(", ")}`,
      );
  }
  return { outcomes, figures, detectedAt, faultAt: faultAt!, lastActionAt: timeline.lastActionAt };
}

/** docker kill, as evidence of what the restart policy does with it (nothing: the daemon calls it a manual stop). */
async function dockerKillEvidence(b: Bench): Promise<void> {
  const before = await inspect(b.chatName);
  const since = Date.now();
  await dockerOk(["kill", b.chatName]);
  await sleep(5000);
  const after = await inspect(b.chatName);
  const kills = b.events.of(b.chatName, "kill", since).map((e) => e.signal);
  const dies = b.events.of(b.chatName, "die", since).map((e) => e.exitCode);
  const starts = b.events.of(b.chatName, "start", since).length;
  console.log(
    `docker-kill: restart_policy=${after.restartPolicy} events kill(signal ${kills.join(",")}) die(exit ${dies.join(",")}) start x${starts}; ` +
      `5 s later status=${after.status} exit_code=${after.exitCode} restart_count=${before.restartCount}->${after.restartCount}` +
      (after.running
        ? ""
        : " (not restarted: the daemon counts `docker kill` as a manual stop; the kill fault crashes the process from the host instead)"),
  );
  if (!after.running) await dockerOk(["start", b.chatName]);
  const up = await waitForHttp(`http://127.0.0.1:${b.deploy.e2e.ports["inference.chat.hostPort"]}/health`, 30_000);
  if (up === undefined) throw new Error(`${b.chatName} did not answer again after docker start`);
  await settle(b);
}

async function killFault(b: Bench): Promise<FaultResult> {
  let crashed: ContainerState | undefined;
  let restartedAt: number | undefined;
  const run = await gatewayFault(b, "kill", {
    inject: async () => {
      const crash = await crashMainProcess(b.chatName);
      crashed = crash.before;
      return crash.killedAt;
    },
    end: async (ctx) => {
      const again = await waitForRestart(b.chatName, crashed!, 30_000);
      if (again) {
        restartedAt = again.startedAt;
        const die = b.events.of(b.chatName, "die", ctx.faultAt)[0];
        log(
          `kill: SIGKILL to pid ${crashed!.pid} (the server, pid 1 in the container); die exit ${die?.exitCode}; Docker started it again ${s(again.startedAt - ctx.faultAt)} s later (restart_count ${crashed!.restartCount}->${again.restartCount}, policy ${again.restartPolicy})`,
        );
        return { windowEnd: again.startedAt, lastActionAt: ctx.faultAt, restartedAt: again.startedAt };
      }
      log(`kill: Docker did not restart ${b.chatName} within 30 s (status ${(await inspect(b.chatName)).status}); starting it by hand`);
      await dockerOk(["start", b.chatName]);
      return { windowEnd: Date.now(), lastActionAt: Date.now() };
    },
    recoverWithinMs: 20_000,
  });
  const missed: string[] = [];
  if (run.figures.failed > 0) missed.push(`kill: ${run.figures.failed} request(s) failed`);
  if (restartedAt === undefined) missed.push("kill: Docker's restart policy did not bring the chat server back");
  if (run.figures.recoveredS === undefined) missed.push("kill: traffic never came back to the chat server");
  return { name: "kill", figures: run.figures, missed, faultAt: run.faultAt };
}

async function pauseFault(b: Bench): Promise<FaultResult> {
  const check = b.rig.settings.healthCheck!;
  const detectWithinMs = (check.intervalSec + check.timeoutSec) * 1000 + 3000;
  let pausedAt = 0;
  let unpausedAt = 0;
  const run = await gatewayFault(b, "pause", {
    inject: async () => {
      pausedAt = Date.now();
      await dockerOk(["pause", b.chatName]);
    },
    end: async (ctx) => {
      await ctx.detection(detectWithinMs);
      await sleep(HOLD_MS);
      unpausedAt = Date.now();
      await dockerOk(["unpause", b.chatName]);
      return { windowEnd: unpausedAt, lastActionAt: unpausedAt };
    },
    recoverWithinMs: (check.intervalSec + check.timeoutSec) * 1000 + 3000,
  });
  // Docker stops a paused container's health monitor: no probe may have started while it was paused.
  const state = await inspect(b.chatName);
  const probesWhilePaused = state.healthLog.filter((p) => p.start >= pausedAt && p.start < unpausedAt).length;
  // Docker sets "unhealthy" when it stops a container's health monitor (on pause), until the next probe; does the list filter the healer scans with see it?
  const listedUnhealthy = (await dockerOk(["ps", "-q", "--filter", `name=^${b.chatName}$`, "--filter", "health=unhealthy"])).trim() !== "";
  const probe = b.deploy.e2e.plan.services.find((x) => x.service === INFERENCE_SERVICE.chat)!.healthcheck;
  const probes = state.healthLog
    .map((p) => `+${s(p.start - pausedAt)} exit ${p.exitCode}${p.exitCode ? ` (${p.output.slice(0, 80)})` : ""}`)
    .join(", ");
  log(
    `pause: paused ${s(unpausedAt - pausedAt)} s; health probes started while paused: ${probesWhilePaused} (probe every ${probe.intervalSec} s, unhealthy after ${probe.retries} failures); ` +
      `health now ${state.health}, failing streak ${state.failingStreak}, listed under health=unhealthy: ${listedUnhealthy}; last probes from the pause: ${probes}`,
  );
  const healerSaid = (await containerLogs(b.deploy.name("healer"), run.faultAt)).split("\n").filter((l) => l.includes(b.chatName));
  log(
    `pause: the healer's log about ${b.chatName} since the pause: ${healerSaid.length ? healerSaid.slice(0, 3).join(" | ").slice(0, 600) : "nothing"}`,
  );
  const missed: string[] = [];
  if (run.figures.failed > 0) missed.push(`pause: ${run.figures.failed} request(s) failed`);
  if (run.detectedAt === undefined)
    missed.push(`pause: the gateway never reported the paused server unhealthy within ${detectWithinMs} ms`);
  if ((run.figures.afterDetectionMaxExtraMs ?? 0) > GATEWAY_BOUND_MS)
    missed.push(
      `pause: requests started after the detection waited up to ${Math.round(run.figures.afterDetectionMaxExtraMs!)} ms extra, over the gateway's ${GATEWAY_BOUND_MS} ms bound`,
    );
  return { name: "pause", figures: run.figures, missed, faultAt: run.faultAt };
}

/** The chat server's CPU quota, live (docker update changes a running container's cgroup). */
const setCpus = (b: Bench, cpus: number) => dockerOk(["update", "--cpus", cpus.toFixed(3), b.chatName]);

/**
 * A slow server: its CPU quota cut to a third (thermal throttling, a noisy
 * neighbour), so each answer needs three times the wall time. Under the same
 * open-loop traffic it then cannot keep up, and its queue grows for as long as
 * the fault lasts: there is no steady "3x" for a busy server (netem, which
 * would add a steady delay, is not in this kernel).
 */
async function slowFault(b: Bench): Promise<FaultResult> {
  const planned = b.deploy.e2e.plan.services.find((x) => x.service === INFERENCE_SERVICE.chat)!.limits.cpus;
  const cut = planned / 3;
  const run = await gatewayFault(b, "slow", {
    inject: async () => {
      const at = Date.now();
      await setCpus(b, cut);
      return at;
    },
    end: async () => {
      await sleep(HOLD_MS);
      const at = Date.now();
      await setCpus(b, planned);
      return { windowEnd: at, lastActionAt: at };
    },
    recoverWithinMs: 10_000,
    // Back at its normal speed: a request answered within twice the median from before the fault.
    isBack: (o, baselineMs) => o.ms <= 2 * baselineMs,
  });
  const p50 = (from: number, to: number) => {
    const xs = run.outcomes.filter((o) => o.ok && o.startedAt >= from && o.startedAt < to).map((o) => o.ms);
    return xs.length ? percentile(xs, 50) : NaN;
  };
  const x = (ms: number) => `${Math.round(ms)} ms = ${(ms / run.figures.baselineMs).toFixed(1)}x`;
  const half = run.faultAt + HOLD_MS / 2;
  log(
    `slow: baseline p50 ${Math.round(run.figures.baselineMs)} ms; --cpus ${cut.toFixed(3)} (planned ${planned}) for ${s(HOLD_MS)} s: ` +
      `p50 ${x(p50(run.faultAt, half))} in the first half, ${x(p50(half, run.lastActionAt))} in the second`,
  );
  const missed: string[] = [];
  if (run.figures.failed > 0) missed.push(`slow: ${run.figures.failed} request(s) failed`);
  return { name: "slow", figures: run.figures, missed, faultAt: run.faultAt };
}

/**
 * A real wedge: the chat server's main thread (its inference loop) stopped by
 * ptrace while its HTTP threads still answer /health. Nothing undoes it but
 * the stack: the probe finds the loop idle and unanswering, Docker marks the
 * container unhealthy, the healer restarts it (a SIGKILL ends the stopped thread).
 */
async function wedgeFault(b: Bench): Promise<FaultResult> {
  const check = b.rig.settings.healthCheck!;
  let before: ContainerState | undefined;
  let restartedAt: number | undefined;
  let release: (() => Promise<void>) | undefined;
  let healthDuringWedge = 0;
  const run = await gatewayFault(b, "wedge", {
    inject: async () => {
      before = await inspect(b.chatName);
      const wedge = await wedgeThread(before.pid);
      release = wedge.release;
      const health = await fetch(`http://127.0.0.1:${b.deploy.e2e.ports["inference.chat.hostPort"]}/health`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
      healthDuringWedge = health?.status ?? 0;
      return wedge.stoppedAt;
    },
    end: async (ctx) => {
      await ctx.detection((check.intervalSec + check.timeoutSec) * 1000 + 3000);
      const again = await waitForRestart(b.chatName, before!, WEDGE_RESTART_BOUND_MS + 30_000);
      if (!again) {
        log(`wedge: ${b.chatName} was not restarted (health ${(await inspect(b.chatName)).health}); releasing its thread by hand`);
        await release?.();
        const at = Date.now();
        return { windowEnd: at, lastActionAt: at };
      }
      await release?.();
      restartedAt = again.startedAt;
      const unhealthy = b.events.of(b.chatName, "health_status: unhealthy", ctx.faultAt)[0]?.at;
      const healerLog = (await containerLogs(b.deploy.name("healer"), ctx.faultAt))
        .split("\n")
        .filter((l) => l.includes(b.chatName) || l.includes("inference-chat"));
      log(
        `wedge: main thread (pid ${before!.pid}) stopped, /health answered ${healthDuringWedge}; Docker marked it unhealthy ` +
          `${unhealthy === undefined ? "(no event seen)" : `${s(unhealthy - ctx.faultAt)} s`} after the wedge; started again ${s(again.startedAt - ctx.faultAt)} s after it ` +
          `(same container: ${again.id === before!.id}); healer log: ${healerLog.slice(0, 2).join(" | ").slice(0, 400)}`,
      );
      return { windowEnd: again.startedAt, lastActionAt: ctx.faultAt, restartedAt: again.startedAt };
    },
    recoverWithinMs: WEDGE_RESTART_BOUND_MS + 30_000,
  });
  await release?.();
  const missed: string[] = [];
  if (run.figures.failed > 0) missed.push(`wedge: ${run.figures.failed} request(s) failed`);
  if (healthDuringWedge !== 200)
    missed.push(`wedge: /health answered ${healthDuringWedge} during the wedge, so this was no wedge the HTTP side hides`);
  if (restartedAt === undefined) missed.push("wedge: the healer did not restart the wedged server");
  else if (restartedAt - run.faultAt > WEDGE_RESTART_BOUND_MS)
    missed.push(`wedge: restarted ${s(restartedAt - run.faultAt)} s after the wedge, over the ${s(WEDGE_RESTART_BOUND_MS)} s bound`);
  if ((run.figures.afterDetectionMaxExtraMs ?? 0) > GATEWAY_BOUND_MS)
    missed.push(
      `wedge: requests started after the detection waited up to ${Math.round(run.figures.afterDetectionMaxExtraMs!)} ms extra, over the gateway's ${GATEWAY_BOUND_MS} ms bound`,
    );
  return { name: "wedge", figures: run.figures, missed, faultAt: run.faultAt };
}

/**
 * Busy, not wedged: one long prompt, sent straight to the chat server, keeps
 * its inference loop in one batch for seconds, so /metrics waits longer than
 * the probe's wait. The probe must see the loop's thread running and say
 * busy; Docker must not call it unhealthy, and nothing may restart it.
 */
async function busyFault(b: Bench): Promise<FaultResult> {
  const url = `http://127.0.0.1:${b.deploy.e2e.ports["inference.chat.hostPort"]}`;
  const check = b.rig.settings.healthCheck!;
  const before = await inspect(b.chatName);
  const probeWatch = watchProbes(b.chatName, 500);
  const apiKey = await llamaApiKey(b.chatName);
  const metricsWatch = watchMetricsWait(url, apiKey);
  let answered: Promise<PromptResult & { at: number }> | undefined;
  const run = await gatewayFault(b, "busy", {
    inject: async () => {
      const at = Date.now();
      answered = sendLongPrompt(url, 600, apiKey).then((r) => ({ ...r, at: Date.now() }));
      return at;
    },
    end: async () => {
      const { at } = await answered!;
      // The probe that ran during the batch's end is recorded when it finishes.
      await sleep(1000);
      return { windowEnd: at, lastActionAt: at };
    },
    recoverWithinMs: (check.intervalSec + check.timeoutSec) * 1000 + 5000,
  });
  const [{ probes }, worstMetricsMs, prompt] = await Promise.all([probeWatch.stop(), metricsWatch.stop(), answered!]);
  const during = probes.filter((p) => p.start >= run.faultAt);
  const busySaid = during.filter((p) => p.exitCode === 0 && p.output.includes("busy:"));
  const unhealthy = b.events.of(b.chatName, "health_status: unhealthy", run.faultAt);
  const after = await inspect(b.chatName);
  log(
    `busy: HTTP ${prompt.status}, ${prompt.promptTokens} prompt tokens in ${Math.round(prompt.promptMs ?? 0)} ms; /metrics waited up to ${worstMetricsMs} ms (the probe waits ${METRICS_WAIT_SEC} s); probes since: ` +
      `${during.map((p) => `exit ${p.exitCode} ${p.output.split("\n").at(-1)!.slice(0, 80) || "ok"}`).join(" | ")}; unhealthy events ${unhealthy.length}; ` +
      `same container, same start: ${after.id === before.id && after.startedAtText === before.startedAtText}`,
  );
  const missed: string[] = [];
  if (run.figures.failed > 0) missed.push(`busy: ${run.figures.failed} request(s) failed`);
  if (worstMetricsMs <= METRICS_WAIT_SEC * 1000)
    missed.push(
      `busy: /metrics never waited longer than the probe's ${METRICS_WAIT_SEC} s (at most ${worstMetricsMs} ms), so this run tests nothing`,
    );
  if (busySaid.length === 0) missed.push("busy: no probe said busy");
  if (unhealthy.length > 0 || run.figures.restarted || after.startedAtText !== before.startedAtText)
    missed.push("busy: the busy server was called unhealthy or restarted");
  return { name: "busy", figures: run.figures, missed, faultAt: run.faultAt };
}

/** A Qdrant outage (docker stop, then docker start after `outageMs`) under a stream of RAG queries. */
async function qdrantFault(b: Bench, name: "qdrant-short" | "qdrant-long", outageMs: number): Promise<FaultResult> {
  const qdrant = b.deploy.name("qdrant");
  const rag = b.deploy.name("rag");
  const ragBefore = await inspect(rag);
  const outage = watchOutage(`${b.qdrantUrl}/readyz`);
  const stream = openLoop(() => ragQuery(b.ragUrl, SAMPLE.query, SAMPLE.collection, 120_000), RAG_RATE);
  let outcomes: RagOutcome[];
  let faultAt = 0;
  let startAt: number;
  let stoppedAt: number;
  let startedAt: number;
  let seen: { downAt?: number; upAt?: number };
  try {
    await sleep(BASELINE_MS);
    faultAt = Date.now();
    await dockerOk(["stop", qdrant]);
    stoppedAt = Date.now();
    // The outage runs from the stop's end: under traffic Qdrant serves for up to 30 s after SIGTERM.
    await sleep(stoppedAt + outageMs - Date.now());
    startAt = Date.now();
    await dockerOk(["start", qdrant]);
    startedAt = Date.now();
    await waitFor(
      async () => ((await fetch(`${b.qdrantUrl}/readyz`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined),
      30_000,
    );
    // Traffic after the return, and every request of the outage answered (each within RAG's retry budget).
    await sleep(3000);
  } finally {
    outcomes = await stream.stop();
    seen = await outage.stop();
  }
  const upAt = seen.upAt ?? Date.now();
  const ragAfter = await inspect(rag);
  const ragKept =
    ragAfter.id === ragBefore.id && ragAfter.startedAtText === ragBefore.startedAtText && ragAfter.restartCount === ragBefore.restartCount;
  const restarts = restartsSince(b, faultAt, ["qdrant"]);
  if (restarts.length) log(`restarts: ${restarts.join("; ")}`);
  const dataIntact = await checkData(b);
  const figures = deployFaultFigures(
    outcomes,
    { faultAt, windowEnd: upAt, lastActionAt: startAt },
    { restarted: restarts.length > 0, dataIntact },
  );
  const outageS = seen.downAt === undefined ? 0 : (upAt - seen.downAt) / 1000;
  const failures = outcomes.filter((o) => !o.ok);
  const statuses = [...new Set(failures.map((o) => o.status))];
  const slowest = Math.max(0, ...outcomes.map((o) => o.ms));
  const afterUp = outcomes.filter((o) => o.startedAt >= upAt);
  const slowestFailure = Math.max(0, ...failures.map((o) => o.ms));
  log(
    `${name}: load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(
        " ",
      )}; Qdrant stopped and started (docker stop/start), down ${outageS.toFixed(2)} s as its published /readyz saw it; RAG's retry budget: ${b.retry.attempts} attempts, ` +
      `${s(b.retry.spanMinMs)}-${s(b.retry.spanMaxMs)} s of backoff, connect deadline ${s(b.retry.connectMs)} s (at most ${s(b.retry.unreachableMaxMs)} s for a call while Qdrant is unreachable); baseline p50 ${Math.round(figures.baselineMs)} ms; slowest request ${Math.round(slowest)} ms; ` +
      `failed ${failures.length} (statuses ${statuses.join(",") || "-"}, slowest failure ${Math.round(slowestFailure)} ms); after Qdrant was back: ${afterUp.length} requests, ${afterUp.filter((o) => !o.ok).length} failed; ` +
      `RAG container kept (id, StartedAt, restart count): ${ragKept}`,
  );
  // RAG logs each Qdrant retry with how the attempt failed (connect, timeout, network, http_5xx).
  const retryLines = (await containerLogs(rag, faultAt)).split("\n").flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; failure?: string };
      return entry.msg === "qdrant call failed, retrying" ? [entry.failure ?? "?"] : [];
    } catch {
      return [];
    }
  });
  const byFailure = [...new Set(retryLines)].map((f) => `${f} x${retryLines.filter((x) => x === f).length}`).join(", ");
  log(`${name}: RAG's Qdrant retries during the fault: ${retryLines.length}${byFailure ? ` (${byFailure})` : ""}`);
  const rel = (t: number | undefined) => (t === undefined ? "-" : s(t - faultAt));
  log(
    `${name}: timeline from the stop command: stopped +${rel(stoppedAt)}, start command +${rel(startAt)}..+${rel(startedAt)}, /readyz down +${rel(seen.downAt)} up +${rel(seen.upAt)}`,
  );
  for (const o of [...outcomes].sort((x, y) => y.ms - x.ms).slice(0, 3))
    log(`slowest: started +${rel(o.startedAt)} ${o.status} ${Math.round(o.ms)} ms ${o.timing ?? ""} ${o.detail?.slice(0, 160) ?? ""}`);
  for (const o of failures.slice(0, 2)) log(`failed: ${o.status} ${o.detail?.slice(0, 200)}`);
  const missed: string[] = [];
  if (name === "qdrant-short") {
    if (outageS * 1000 >= b.retry.spanMinMs)
      missed.push(
        `qdrant-short: the outage (${outageS.toFixed(2)} s) was not shorter than RAG's shortest retry budget (${s(b.retry.spanMinMs)} s), so this run does not test it`,
      );
    if (figures.failed > 0) missed.push(`qdrant-short: ${figures.failed} request(s) failed`);
  } else {
    if (outageS * 1000 <= b.retry.spanMaxMs)
      missed.push(
        `qdrant-long: the outage (${outageS.toFixed(2)} s) was not longer than RAG's longest retry budget (${s(b.retry.spanMaxMs)} s)`,
      );
    if (failures.length === 0) missed.push("qdrant-long: no request failed, so no 503 was seen");
    const unclear = failures.filter((o) => o.status !== 503 || !/qdrant/i.test(o.detail ?? ""));
    if (unclear.length)
      missed.push(
        `qdrant-long: ${unclear.length} failure(s) were not a clear 503 naming Qdrant (e.g. ${unclear[0]!.status} ${unclear[0]!.detail?.slice(0, 120)})`,
      );
    // No hang: every request ends within what one Qdrant call may take while Qdrant is unreachable, plus 3 s for the rest of the request.
    if (slowest > b.retry.unreachableMaxMs + 3000)
      missed.push(
        `qdrant-long: a request took ${Math.round(slowest)} ms, over RAG's bound for an unreachable Qdrant (${b.retry.unreachableMaxMs} ms) + 3 s`,
      );
    if (afterUp.length === 0 || afterUp.some((o) => !o.ok))
      missed.push(
        `qdrant-long: RAG did not answer every request started after Qdrant was back (${afterUp.filter((o) => !o.ok).length} of ${afterUp.length} failed)`,
      );
    if (!ragKept) missed.push("qdrant-long: the RAG container was restarted or replaced");
    if (figures.restarted) missed.push(`qdrant-long: the stack restarted a container (${restarts.join("; ")})`);
  }
  return { name, figures, missed, faultAt, benchStarted: ["qdrant"] };
}

async function setUp(deploy: FaultsDeploy, events: DockerEvents): Promise<Bench> {
  const { e2e } = deploy;
  const up = await deploy.up();
  console.log(`pulumi up: exit ${up.code} in ${s(up.ms)} s (${e2e.plan.services.length} services)`);
  if (up.code !== 0) throw new Error(`pulumi up failed:\n${up.output.slice(-4000)}`);
  // The deployed gateway: the real LiteLLM container with the config the plan rendered, and its own key.
  const gateway = deploy.name("api-gateway");
  const masterKey = (await containerEnv(gateway))[MASTER_KEY_ENV];
  if (!masterKey) throw new Error(`${gateway} has no ${MASTER_KEY_ENV}: the faults stack must require the gateway key`);
  const rig = deployedGatewayRig({
    ctx: planContext(e2e.stackConfig, { stack: e2e.stack, projectDir: e2e.programDir }),
    url: `http://127.0.0.1:${e2e.ports["gateway.hostPort"]}`,
    masterKey,
    logs: () => "",
  });
  console.log(
    `versions: ${Object.entries(await realVersions())
      .map(([program, version]) => `${program}@${version}`)
      .join(
        ",",
      )}; the gateway container ${gateway} on ${rig.proxy.url} in front of inference-chat and inference-code (the stack's rendered config)`,
  );

  const ragUrl = `http://127.0.0.1:${e2e.ports["rag.hostPort"]}`;
  const qdrantUrl = `http://127.0.0.1:${e2e.ports["qdrant.httpPort"]}`;
  const qdrantKey = (await containerEnv(deploy.name("qdrant"))).QDRANT__SERVICE__API_KEY;
  const ragEnv = await containerEnv(deploy.name("rag"));
  // What the RAG container runs with: its environment read by RAG's own config loader (defaults included).
  const { retry: policy, connectTimeoutMs } = loadRagConfig(ragEnv).qdrant;
  // services/common/src/retry.ts: the wait before retry n is uniform in [min, min(max, min * 2^n)].
  const retries = Array.from({ length: policy.maxAttempts - 1 }, (_, i) => i + 1);
  const spanMaxMs = retries.reduce((sum, n) => sum + backoffCeilingMs(n, policy), 0);
  const retry = {
    attempts: policy.maxAttempts,
    connectMs: connectTimeoutMs,
    spanMinMs: retries.length * Math.min(policy.minWaitMs, policy.maxWaitMs),
    spanMaxMs,
    unreachableMaxMs: spanMaxMs + policy.maxAttempts * connectTimeoutMs,
  };

  writeDocuments(e2e.dataDir);
  const indexed = await fetch(`${ragUrl}/index?collection=${COLLECTION}`, { method: "POST", signal: AbortSignal.timeout(60_000) });
  const report = (await indexed.json()) as { chunks?: number };
  if (!indexed.ok || !report.chunks) throw new Error(`indexing failed: ${indexed.status} ${JSON.stringify(report)}`);
  const b: Bench = {
    deploy,
    rig,
    events,
    chatName: deploy.name(INFERENCE_SERVICE.chat),
    ragUrl,
    qdrantUrl,
    qdrantHeaders: qdrantKey ? { "api-key": qdrantKey } : {},
    reference: { points: {}, sources: [] },
    retry,
  };
  b.reference = await stackData(qdrantUrl, b.qdrantHeaders, ragUrl, SAMPLE);
  if (!b.reference.sources.length) throw new Error("the sample query found no sources");
  console.log(
    `data: indexed ${report.chunks} chunks into "${COLLECTION}"; Qdrant points ${JSON.stringify(b.reference.points)}; sample query sources ${b.reference.sources.join(" ")}`,
  );
  for (let i = 0; i < 3; i++) await rig.request(rig.chatModel);
  await settle(b);
  return b;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  console.log(
    `bench:faults: ${RATE} gateway requests/s (every 3rd streamed), ${RAG_RATE} RAG queries/s, faults held ${s(HOLD_MS)} s, long Qdrant outage ${s(LONG_OUTAGE_MS)} s`,
  );
  const deploy = await prepareFaultsDeploy();
  const events = new DockerEvents(deploy.label);
  let rig: GatewayRig | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      events.stop();
      await rig?.stop().catch(() => undefined);
      const t = Date.now();
      const notes = await deploy.cleanup();
      console.log(
        `cleanup: stack ${deploy.e2e.stack} destroyed, its label's containers, networks and volumes removed in ${s(Date.now() - t)} s${notes.length ? ` (${notes.join("; ")})` : ""}`,
      );
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`bench:faults: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const results: FaultResult[] = [];
  let broke: Error | undefined;
  try {
    const b = await setUp(deploy, events);
    rig = b.rig;
    if (wanted("kill")) await dockerKillEvidence(b);
    const faults: [string, () => Promise<FaultResult>][] = [
      ["kill", () => killFault(b)],
      ["pause", () => pauseFault(b)],
      ["slow", () => slowFault(b)],
      ["busy", () => busyFault(b)],
      ["wedge", () => wedgeFault(b)],
      ["qdrant-short", () => qdrantFault(b, "qdrant-short", 0)],
      ["qdrant-long", () => qdrantFault(b, "qdrant-long", LONG_OUTAGE_MS)],
    ];
    for (const [name, run] of faults.filter(([name]) => wanted(name))) {
      const result = await run();
      results.push(result);
      // A restart the stack makes after the figures were taken (the healer acting on a
      // container the fault left unhealthy) is still this fault's: counted until it settled.
      await settle(b);
      const restarts = restartsSince(b, result.faultAt, result.benchStarted);
      if (restarts.length && !result.figures.restarted) {
        log(`${name}: restarts after the fault, before the stack settled: ${restarts.join("; ")}`);
        result.figures.restarted = true;
        if (name === "qdrant-long") result.missed.push(`qdrant-long: the stack restarted a container (${restarts.join("; ")})`);
      }
      console.log(deployFaultLine(name, result.figures));
    }
  } catch (error) {
    broke = error as Error;
    console.error(`bench:faults: the run broke: ${broke.stack ?? broke.message}`);
  } finally {
    await cleanup();
  }
  const missed = results.flatMap((r) => [...r.missed, ...(r.figures.dataIntact ? [] : [`${r.name}: data_intact=no`])]);
  for (const m of missed) console.log(`bar missed: ${m}`);
  console.log(
    `bench:faults: ${results.length} faults, ${missed.length} bar(s) missed${broke ? ", the run broke" : ""}; wall time ${s(Date.now() - startedAt)} s`,
  );
  return broke || missed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
