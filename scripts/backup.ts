/**
 * `npm run backup -- --stack <name> [--dir <folder>] [--keep <n>] [--only <service>]...`:
 * Qdrant snapshots and consistent SQLite copies into a timestamped folder with a manifest;
 * keeps the newest n.
 *
 * `--container <name> [--missing-ok]` backs up one running container's data, found through
 * `docker inspect` rather than the stack's config: the pre-change backup `up` runs before it
 * changes a data-holding container (the old container's ports, paths and key are the ones
 * that hold the data). With --missing-ok a container that does not exist (a first deploy)
 * has nothing to back up.
 */
import * as path from "node:path";
import { containerBackup } from "../ops/backup/container-source";
import { stackBackupDir } from "../lib/backup/location";
import { backupTable } from "../ops/backup/report";
import { DEFAULT_KEEP } from "../ops/backup/retention";
import { runBackup, type BackupOptions } from "../ops/backup/run-backup";
import { SERVICE_LABEL } from "../lib/plan/define-service";
import { QDRANT_KEY_FILE, QDRANT_SERVICE } from "../lib/plan/qdrant";
import { endpointsOrExit, EXIT, intFlag, loadStackOrExit, parseTaskArgs, stringFlag, type CommonArgs } from "../ops/cli";
import { containerFileText, inspectContainer } from "../ops/docker-cli";
import { withProgress } from "../ops/progress";
import { qdrantKeyFromContainer, readStackSecret } from "../ops/stack-secrets";

type Plan = Omit<BackupOptions, "keep" | "step" | "keepServerSnapshots"> & { describe: string };

async function main(): Promise<number> {
  const args = parseTaskArgs(
    "backup",
    "[--dir <folder>] [--keep <n>] [--only <service>]... [--keep-server-snapshots] | --container <name> [--missing-ok] --dir <folder>",
    {
      dir: { type: "string" },
      keep: { type: "string" },
      only: { type: "string", multiple: true },
      container: { type: "string" },
      "missing-ok": { type: "boolean" },
      "keep-server-snapshots": { type: "boolean" },
    },
  );
  const container = stringFlag(args, "container");
  const planned = container ? await fromContainer(args, container) : await fromStack(args);
  if (typeof planned === "number") return planned;
  process.stdout.write(`${planned.describe}, into ${planned.root}\n`);
  try {
    const result = await withProgress("backup", (step) =>
      runBackup({
        ...planned,
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

/** The whole stack (or the --only services), from its config and endpoints. */
async function fromStack(args: CommonArgs): Promise<Plan | number> {
  const configured = await readStackSecret("qdrantApiKey", "QDRANT_API_KEY", args.stack, args.projectDir);
  const { config, plan } = await loadStackOrExit(args, { qdrantApiKey: configured.value !== undefined });
  const apiKey = await qdrantKeyFromContainer(plan, configured);
  const only = args.values.only as string[] | undefined;
  const unknown = (only ?? []).filter((s) => !plan.services.some((spec) => spec.service === s));
  if (unknown.length) {
    process.stderr.write(
      `error: --only ${unknown.join(", ")}: not a service of stack ${plan.stack} (it has ${plan.services.map((s) => s.service).join(", ")})\n`,
    );
    return EXIT.usage;
  }
  const endpoints = await endpointsOrExit(args, plan);
  const qdrantUrl = endpoints.urls.qdrant;
  if (!qdrantUrl && (!only || only.includes(QDRANT_SERVICE))) {
    process.stderr.write(`backup failed: stack ${plan.stack} has no qdrant endpoint\n`);
    return EXIT.failed;
  }
  return {
    source: plan,
    qdrant: qdrantUrl ? { url: qdrantUrl, apiKey: apiKey.value } : undefined,
    only,
    root: path.resolve(stringFlag(args, "dir", stackBackupDir(config, args.projectDir, plan.stack))),
    describe: `Backing up stack ${plan.stack}${only ? ` (${only.join(", ")})` : ""}: Qdrant at ${qdrantUrl ?? "-"} (api key: ${apiKey.from})`,
  };
}

/** One container's data, where the running container keeps it. */
async function fromContainer(args: CommonArgs, container: string): Promise<Plan | number> {
  const dir = stringFlag(args, "dir");
  if (!dir) {
    process.stderr.write("error: --container needs --dir <folder> (where the backup goes)\n");
    return EXIT.usage;
  }
  let inspect: unknown;
  try {
    inspect = await inspectContainer(container);
  } catch (error) {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  if (inspect === undefined) {
    if (args.values["missing-ok"]) {
      process.stdout.write(`No container ${container} yet: nothing to back up (first deploy)\n`);
      return EXIT.ok;
    }
    process.stderr.write(`backup failed: no container ${container}\n`);
    return EXIT.failed;
  }
  let found;
  try {
    const labels = (inspect as { Config?: { Labels?: Record<string, string> } }).Config?.Labels ?? {};
    // Qdrant's key is in its config file (docker inspect shows none); an older container has it in env.
    const qdrantConfig = labels[SERVICE_LABEL] === QDRANT_SERVICE ? await containerFileText(container, QDRANT_KEY_FILE.path) : undefined;
    found = containerBackup(inspect as never, args.stack, qdrantConfig);
  } catch (error) {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  if (found.qdrant && !found.running) {
    process.stderr.write(
      `backup failed: ${container} is not running, so no snapshot of its collections can be taken. Start it (docker start ${container}), ` +
        `or, to change it without a backup, set backup.beforeChange to false for this up (pulumi config set --path backup.beforeChange false)\n`,
    );
    return EXIT.failed;
  }
  return {
    source: found.source,
    qdrant: found.qdrant,
    root: path.resolve(dir),
    describe: `Backing up ${found.service} from container ${container}${found.qdrant ? ` (Qdrant at ${found.qdrant.url})` : ""}${found.running ? "" : " (stopped: its files only)"}`,
  };
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`backup failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
