/**
 * `npm run bench:failover [-- --requests 240 --concurrency 4]`: a steady stream
 * of chat requests through the real LiteLLM proxy (p2's rendered config, the
 * pinned version) to two llama-server stand-ins; inference-chat is killed a
 * third of the way in and brought back at two thirds. Prints where requests
 * went per phase, then one final `failover:` line. Exits 1 if any request failed.
 *
 * `npm run bench:failover -- --fault kill|pause|wedge|slow [--rate 10] [--hold-s 10]
 * [--slow-ms-per-token 250] [--no-health-checks]`: one fault on inference-chat
 * under an open-loop stream (test/support/fault-scenario.ts), ending in
 *   fault=<name> gateway=... requests=N failed=N p50_ms=N p99_ms=N detect_s=N
 *   max_extra_ms=N window_max_extra_ms=N recovered_s=N
 * (lib/gateway/failover-report.ts:faultFigures says what each figure counts).
 * Other scripts drive the same scenario on servers they control with
 * startGatewayRig + runFaultScenario and their own UpstreamControl.
 */
import { failoverFigures, failoverLine, faultLine } from "../lib/gateway/failover-report";
import { startFailoverRig } from "../test/support/failover-rig";
import { FAULTS, fakeControl, runFaultScenario, type FaultKind } from "../test/support/fault-scenario";
import { ensureLiteLLM, type LiteLLMInstall } from "../test/support/litellm-install";
import { runSteadyStream } from "../test/support/steady-stream";

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function faultArg(): FaultKind | undefined {
  const i = process.argv.indexOf("--fault");
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!(FAULTS as readonly string[]).includes(value ?? "")) throw new Error(`--fault needs one of ${FAULTS.join(", ")}`);
  return value as FaultKind;
}

async function main(): Promise<void> {
  const fault = faultArg();
  const install = await ensureLiteLLM();
  if (fault) await faultBench(install, fault);
  else await killBench(install);
}

async function faultBench(install: LiteLLMInstall, fault: FaultKind): Promise<void> {
  const rate = intArg("rate", 10);
  const holdMs = intArg("hold-s", 10) * 1000;
  const slowMsPerToken = intArg("slow-ms-per-token", 250);
  const checks = !process.argv.includes("--no-health-checks");
  const rig = await startFailoverRig({ install, adjust: checks ? undefined : (s) => ({ ...s, healthCheck: undefined }) });
  try {
    for (let i = 0; i < 3; i++) await rig.request(rig.chatModel);
    const check = rig.settings.healthCheck;
    const roundMs = check ? (check.intervalSec + check.timeoutSec) * 1000 : 0;
    console.log(
      `LiteLLM ${install.version}, "${rig.chatModel}" at ${rate} requests/s (every 3rd streamed), fault "${fault}" on inference-chat, ` +
        (check ? `health checks every ${check.intervalSec} s with a ${check.timeoutSec} s limit` : "no health checks"),
    );
    const { outcomes, timeline, figures } = await runFaultScenario({
      rig,
      target: fakeControl(rig.chatServer, slowMsPerToken),
      fault,
      model: rig.chatModel,
      ratePerSec: rate,
      detectWithinMs: check ? roundMs + 3000 : 0,
      holdMs,
      // With checks there are no cooldowns: back at the next passing check. Without, a cooldown may hold it out.
      recoverWithinMs: (check ? roundMs : rig.settings.cooldownSec * 1000) + 3000,
      log: (line) => console.log(`  ${line}`),
    });
    const detected = timeline.detectedAt;
    const phases: [string, number, number][] = [
      ["before the fault", 0, timeline.faultAt],
      ...(detected === undefined
        ? ([["fault, never detected", timeline.faultAt, timeline.clearedAt]] as [string, number, number][])
        : ([
            ["fault, not yet detected", timeline.faultAt, detected],
            ["fault, detected", detected, timeline.clearedAt],
          ] as [string, number, number][])),
      ["after the clear", timeline.clearedAt, Infinity],
    ];
    console.log("  (phases by when a request started)");
    for (const [label, from, to] of phases) {
      const slice = outcomes.filter((o) => o.startedAt >= from && o.startedAt < to);
      if (slice.length === 0) continue;
      const by = (name: string) => slice.filter((o) => o.servedBy === name).length;
      const slowest = Math.max(...slice.map((o) => o.ms));
      console.log(
        `  ${label.padEnd(24)} ${String(slice.length).padStart(4)} requests: inference-chat=${by("inference-chat")} inference-code=${by("inference-code")} ` +
          `failed=${slice.filter((o) => !o.ok).length} slowest_ms=${slowest.toFixed(0)}`,
      );
    }
    for (const o of outcomes.filter((x) => !x.ok).slice(0, 3)) console.log(`  failed: status ${o.status} ${o.error?.slice(0, 200)}`);
    console.log(`  baseline p50 before the fault: ${figures.baselineMs.toFixed(1)} ms`);
    console.log(faultLine(`litellm-${install.version}`, fault, figures));
    process.exitCode = figures.failed === 0 ? 0 : 1;
  } finally {
    await rig.stop();
  }
}

async function killBench(install: LiteLLMInstall): Promise<void> {
  const total = intArg("requests", 240);
  const concurrency = intArg("concurrency", 4);
  if (total < 30) throw new Error("--requests must be at least 30 (three phases with a baseline)");
  const killBefore = Math.floor(total / 3);
  const restoreBefore = Math.floor((2 * total) / 3);

  const rig = await startFailoverRig({ install });
  try {
    // Warm-up (first-request imports), not counted.
    for (let i = 0; i < 3; i++) await rig.request(rig.chatModel);
    let killedAt = 0;
    let restoredAt = 0;
    const run = await runSteadyStream({
      total,
      concurrency,
      send: () => rig.request(rig.chatModel),
      actions: [
        {
          beforeRequest: killBefore,
          run: async () => {
            killedAt = Date.now();
            await rig.chatServer.kill();
          },
        },
        {
          beforeRequest: restoreBefore,
          run: async () => {
            await rig.chatServer.start();
            restoredAt = Date.now();
          },
        },
      ],
    });
    const phases: [string, number, number][] = [
      ["both up", 0, killBefore],
      ["inference-chat killed", killBefore, restoreBefore],
      ["inference-chat back", restoreBefore, total],
    ];
    console.log(`LiteLLM ${install.version}, ${total} chat requests to "${rig.chatModel}" at concurrency ${concurrency}`);
    console.log("  (phases by send order: requests still in flight at a kill or restart can land on either server)");
    for (const [label, from, to] of phases) {
      const slice = run.outcomes.slice(from, to);
      const by = (name: string) => slice.filter((o) => o.servedBy === name).length;
      const failed = slice.filter((o) => !o.ok).length;
      console.log(
        `  ${label.padEnd(22)} requests ${from}-${to - 1}: inference-chat=${by("inference-chat")} inference-code=${by("inference-code")} failed=${failed}`,
      );
    }
    const firstBack = run.outcomes.find((o) => o.startedAt >= restoredAt && o.servedBy === "inference-chat");
    if (firstBack) console.log(`  traffic back on inference-chat ${firstBack.startedAt - restoredAt} ms after it restarted`);
    for (const o of run.outcomes.filter((x) => !x.ok).slice(0, 3)) console.log(`  failed: status ${o.status} ${o.error?.slice(0, 200)}`);
    const figures = failoverFigures(run.outcomes, killedAt, restoredAt);
    console.log(`  baseline p50 before the kill: ${figures.baselineMs.toFixed(1)} ms`);
    console.log(failoverLine(`litellm-${install.version}`, figures));
    process.exitCode = figures.failed === 0 ? 0 : 1;
  } finally {
    await rig.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
