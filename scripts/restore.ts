/**
 * `npm run restore -- --stack <name> --from <backup folder> [--to <dir>] [--force]`:
 * writes the backup's SQLite databases back through the SQLite backup API.
 * Refuses while a container that owns them runs (unless --force or --to).
 * Qdrant snapshots are restored through Qdrant's API: see docs/operations.md.
 */
import * as path from "node:path";
import { readManifest } from "../lib/ops/backup/manifest";
import { restoreTable } from "../lib/ops/backup/report";
import { restoreSqlite } from "../lib/ops/backup/restore";
import { databaseOwners } from "../lib/ops/backup/sqlite-sources";
import { EXIT, loadStackOrExit, parseTaskArgs, stringFlag } from "../lib/ops/cli";
import { runningStackContainers } from "../lib/ops/docker-cli";
import { withProgress } from "../lib/ops/progress";

async function main(): Promise<number> {
  const args = parseTaskArgs("restore", "--from <backup folder> [--to <dir>] [--force]", {
    from: { type: "string" },
    to: { type: "string" },
    force: { type: "boolean" },
  });
  const from = stringFlag(args, "from");
  if (!from) {
    process.stderr.write("error: --from <backup folder> is required\n");
    return EXIT.usage;
  }
  const folder = path.resolve(from);
  const manifest = readManifest(folder);
  if (manifest.stack !== args.stack) {
    process.stderr.write(`error: ${folder} is a backup of stack ${manifest.stack}, not ${args.stack}\n`);
    return EXIT.usage;
  }
  const to = stringFlag(args, "to");
  if (!to && !args.values.force) {
    const { plan } = await loadStackOrExit(args);
    const owners = databaseOwners(plan).map((s) => s.containerName);
    const running = (await runningStackContainers(plan.stack)).filter((name) => owners.includes(name));
    if (running.length) {
      process.stderr.write(`error: ${running.join(", ")} still running and may write the databases; stop them first (docker stop ${running.join(" ")}), or pass --force\n`);
      return EXIT.failed;
    }
  }
  const rows = await withProgress(`restoring SQLite databases from ${folder}`, () => restoreSqlite({ folder, to: to && path.resolve(to) }));
  if (!rows.length) process.stdout.write(`${folder} holds no SQLite databases\n`);
  else process.stdout.write(`${restoreTable(rows)}\n`);
  const qdrantFiles = manifest.files.filter((f) => f.kind !== "sqlite").length;
  if (qdrantFiles) process.stdout.write(`${qdrantFiles} Qdrant snapshot(s) are not restored by this command: see "Restore" in docs/operations.md\n`);
  return rows.every((r) => r.status === "restored") ? EXIT.ok : EXIT.failed;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`restore failed: ${(error as Error).message}\n`);
    process.exitCode = EXIT.failed;
  },
);
