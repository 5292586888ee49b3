/** `npm run models -- <add|pull|verify> ...`: the model lock and the model files (lib/ops/models/cli.ts). */
import { runModelsCli } from "../lib/ops/models/cli";

runModelsCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`models failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
