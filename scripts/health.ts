/** `npm run health -- --stack <name>`: every service's readiness, latency and what each failure blocks. Exit 1 if any is not up. */
import { endpointsOrExit, EXIT, intFlag, loadStackOrExit, parseTaskArgs } from "../ops/cli";
import { LLAMA_API_KEY_FILE } from "../lib/plan/inference";
import { containerFileText, containerGpuMiB, containerHealth } from "../ops/docker-cli";
import { checkAllocations } from "../ops/health/allocations";
import { allocationTable } from "../ops/health/report";
import { healthTable } from "../ops/health/report";
import { checkHealth, healthSummary } from "../ops/health/run-health";
import { withProgress } from "../ops/progress";

async function main(): Promise<number> {
  const args = parseTaskArgs("health", "[--timeout <seconds>] [--json]", { timeout: { type: "string" }, json: { type: "boolean" } });
  const { plan, lock } = await loadStackOrExit(args);
  const endpoints = await endpointsOrExit(args, plan);
  const timeoutMs = intFlag(args, "timeout", 5) * 1000;
  const rows = await withProgress(`checking ${plan.services.length} services of stack ${plan.stack}`, () =>
    checkHealth(plan, { urls: endpoints.urls, timeoutMs, containerHealth }),
  );
  // The plan beside what each llama-server reports it allocated (lib/vram/allocation-check.ts).
  const allocations = await checkAllocations(plan, lock, {
    urls: endpoints.urls,
    timeoutMs,
    processMiB: containerGpuMiB,
    apiKey: (container) => containerFileText(container, LLAMA_API_KEY_FILE),
  });
  if (args.values.json) {
    process.stdout.write(`${JSON.stringify({ stack: plan.stack, endpointSource: endpoints.source, rows, allocations }, null, 2)}\n`);
  } else {
    process.stdout.write(`Stack ${plan.stack}: endpoints from ${endpoints.source}${endpoints.note ? ` (${endpoints.note})` : ""}\n`);
    process.stdout.write(`${healthTable(rows)}\n${healthSummary(rows)}\n`);
    process.stdout.write(`\nPlan against what each llama-server allocated:\n${allocationTable(allocations)}\n`);
  }
  const allocationsOk = allocations.every((a) => a.error !== undefined || a.rows.every((r) => r.ok));
  return rows.every((r) => r.state === "up") && allocationsOk ? EXIT.ok : EXIT.failed;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`health failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
