/**
 * `npm run bench:failover [-- --requests 240 --concurrency 4]`: a steady stream
 * of chat requests through the real LiteLLM proxy (p2's rendered config, the
 * pinned version) to two llama-server stand-ins; inference-chat is killed a
 * third of the way in and brought back at two thirds. Prints where requests
 * went per phase, then one final `failover:` line. Exits 1 if any request failed.
 */
import { failoverFigures, failoverLine } from "../lib/gateway/failover-report";
import { startFailoverRig } from "../test/support/failover-rig";
import { ensureLiteLLM } from "../test/support/litellm-install";
import { runSteadyStream } from "../test/support/steady-stream";

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const total = intArg("requests", 240);
  const concurrency = intArg("concurrency", 4);
  if (total < 30) throw new Error("--requests must be at least 30 (three phases with a baseline)");
  const killBefore = Math.floor(total / 3);
  const restoreBefore = Math.floor((2 * total) / 3);

  const install = await ensureLiteLLM();
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
        { beforeRequest: killBefore, run: async () => { killedAt = Date.now(); await rig.chatServer.kill(); } },
        { beforeRequest: restoreBefore, run: async () => { await rig.chatServer.start(); restoredAt = Date.now(); } },
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
      console.log(`  ${label.padEnd(22)} requests ${from}-${to - 1}: inference-chat=${by("inference-chat")} inference-code=${by("inference-code")} failed=${failed}`);
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
