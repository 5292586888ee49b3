/** `npm run doctor -- --stack <name>`: preflight checks of this host against the stack's plan. Exit 1 if any fails. */
import { EXIT, intFlag, loadStackOrExit, parseTaskArgs } from "../lib/ops/cli";
import { DEFAULT_MIN_FREE_GIB } from "../lib/ops/doctor/host-checks";
import { realHostProbe } from "../lib/ops/doctor/real-host-probe";
import { doctorReport } from "../lib/ops/doctor/report";
import { doctorPassed, runDoctor } from "../lib/ops/doctor/run-doctor";
import { withProgress } from "../lib/ops/progress";

async function main(): Promise<number> {
  const args = parseTaskArgs("doctor", "[--min-free-gb <GiB>] [--quick] [--json]", { "min-free-gb": { type: "string" }, quick: { type: "boolean" }, json: { type: "boolean" } });
  const loaded = await loadStackOrExit(args);
  const results = await withProgress(`checking this host for stack ${args.stack}`, () =>
    runDoctor(loaded, realHostProbe, { minFreeGiB: intFlag(args, "min-free-gb", DEFAULT_MIN_FREE_GIB), skipModelHash: args.values.quick === true }),
  );
  if (args.values.json) process.stdout.write(`${JSON.stringify({ stack: args.stack, results }, null, 2)}\n`);
  else process.stdout.write(`Stack ${args.stack} (${loaded.plan.phase}) on this host:\n${doctorReport(results)}\n`);
  return doctorPassed(results) ? EXIT.ok : EXIT.failed;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`doctor failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
