/**
 * `npm run backup -- --stack <name> [--dir <folder>] [--keep <n>]`: Qdrant snapshots and
 * consistent SQLite copies into a timestamped folder with a manifest; keeps the newest n.
 */
import * as path from "node:path";
import { backupTable } from "../lib/ops/backup/report";
import { DEFAULT_KEEP } from "../lib/ops/backup/retention";
import { runBackup } from "../lib/ops/backup/run-backup";
import { endpointsOrExit, EXIT, intFlag, loadStackOrExit, parseTaskArgs, stringFlag } from "../lib/ops/cli";
import { withProgress } from "../lib/ops/progress";
import { readStackSecret } from "../lib/ops/stack-secrets";

async function main(): Promise<number> {
  const args = parseTaskArgs("backup", "[--dir <folder>] [--keep <n>] [--keep-server-snapshots]", {
    dir: { type: "string" },
    keep: { type: "string" },
    "keep-server-snapshots": { type: "boolean" },
  });
  const apiKey = await readStackSecret("qdrantApiKey", "QDRANT_API_KEY", args.stack, args.projectDir);
  const { plan } = await loadStackOrExit(args, { qdrantApiKey: apiKey.value !== undefined });
  const endpoints = await endpointsOrExit(args, plan);
  const qdrantUrl = endpoints.urls.qdrant;
  if (!qdrantUrl) {
    process.stderr.write(`backup failed: stack ${plan.stack} has no qdrant endpoint\n`);
    return EXIT.failed;
  }
  const root = path.resolve(stringFlag(args, "dir", path.join(args.projectDir, "backups", plan.stack)));
  process.stdout.write(`Backing up stack ${plan.stack}: Qdrant at ${qdrantUrl} (api key: ${apiKey.from}), into ${root}\n`);
  try {
    const result = await withProgress("backup", (step) =>
      runBackup({
        plan,
        qdrant: { url: qdrantUrl, apiKey: apiKey.value },
        root,
        keep: intFlag(args, "keep", DEFAULT_KEEP),
        keepServerSnapshots: Boolean(args.values["keep-server-snapshots"]),
        step,
      }),
    );
    process.stdout.write(`${backupTable(result.manifest)}\n`);
    for (const note of result.manifest.notes) process.stdout.write(`note: ${note}\n`);
    process.stdout.write(`Backup complete: ${result.folder}\n`);
    if (result.pruned.length) process.stdout.write(`Retention removed: ${result.pruned.join(", ")}\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`backup failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
