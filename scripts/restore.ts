/**
 * `npm run restore -- --stack <name> --from <backup folder> [--only qdrant|sqlite] [--overwrite] [--to <dir>] [--force]`:
 * - Qdrant: each collection's snapshot is uploaded to the running Qdrant, which recovers the
 *   collection from it; the point count is checked against the manifest. A collection that
 *   holds points now is refused unless --overwrite (it may hold data newer than the backup).
 * - SQLite: the databases are written back through the SQLite backup API. Refused while a
 *   container that owns them runs (unless --force or --to).
 */
import * as path from "node:path";
import { readManifest } from "../ops/backup/manifest";
import { qdrantRestoreTable, restoreTable } from "../ops/backup/report";
import { restoreQdrant } from "../ops/backup/restore-qdrant";
import { restoreSqlite } from "../ops/backup/restore";
import { databaseOwners } from "../ops/backup/sqlite-sources";
import { endpointsOrExit, EXIT, loadStackOrExit, parseTaskArgs, stringFlag, type CommonArgs } from "../ops/cli";
import { runningStackContainers } from "../ops/docker-cli";
import { withProgress } from "../ops/progress";
import { qdrantKeyFromContainer, readStackSecret } from "../ops/stack-secrets";

const PARTS = ["qdrant", "sqlite"] as const;

async function main(): Promise<number> {
  const args = parseTaskArgs(
    "restore",
    "--from <backup folder> [--only qdrant|sqlite] [--overwrite] [--qdrant-url <url>] [--to <dir>] [--force]",
    {
      to: { type: "string" },
      force: { type: "boolean" },
      only: { type: "string" },
      overwrite: { type: "boolean" },
      "qdrant-url": { type: "string" },
    },
  );
  const from = stringFlag(args, "from");
  if (!from) {
    process.stderr.write("error: --from <backup folder> is required\n");
    return EXIT.usage;
  }
  const only = stringFlag(args, "only");
  if (only !== undefined && !(PARTS as readonly string[]).includes(only)) {
    process.stderr.write(`error: --only must be ${PARTS.join(" or ")}, got "${only}"\n`);
    return EXIT.usage;
  }
  const folder = path.resolve(from);
  const manifest = readManifest(folder);
  if (manifest.stack !== args.stack) {
    process.stderr.write(`error: ${folder} is a backup of stack ${manifest.stack}, not ${args.stack}\n`);
    return EXIT.usage;
  }
  const hasQdrant = manifest.files.some((f) => f.kind === "qdrant-collection");
  const hasSqlite = manifest.files.some((f) => f.kind === "sqlite");
  let ok = true;
  if (hasQdrant && only !== "sqlite") ok = (await qdrantPart(args, folder)) && ok;
  if (hasSqlite && only !== "qdrant") ok = (await sqlitePart(args, folder)) && ok;
  if (!hasQdrant && !hasSqlite) process.stdout.write(`${folder} holds no Qdrant collection snapshots and no SQLite databases\n`);
  return ok ? EXIT.ok : EXIT.failed;
}

async function qdrantPart(args: CommonArgs, folder: string): Promise<boolean> {
  let apiKey = await readStackSecret("qdrantApiKey", "QDRANT_API_KEY", args.stack, args.projectDir);
  let url = stringFlag(args, "qdrant-url");
  if (!url) {
    // From the stack: its endpoint, and (a generated key) the key its Qdrant container runs with.
    const { plan } = await loadStackOrExit(args, { qdrantApiKey: apiKey.value !== undefined });
    url = (await endpointsOrExit(args, plan, "auto")).urls.qdrant;
    apiKey = await qdrantKeyFromContainer(plan, apiKey);
  }
  if (!url) {
    process.stderr.write(`restore failed: stack ${args.stack} has no qdrant endpoint (pass --qdrant-url)\n`);
    return false;
  }
  const rows = await withProgress(`restoring Qdrant collections into ${url} (api key: ${apiKey.from})`, () =>
    restoreQdrant({ folder, qdrant: { url: url!, apiKey: apiKey.value }, overwrite: Boolean(args.values.overwrite) }),
  );
  process.stdout.write(`${qdrantRestoreTable(rows)}\n`);
  return rows.every((r) => r.status === "restored");
}

async function sqlitePart(args: CommonArgs, folder: string): Promise<boolean> {
  const to = stringFlag(args, "to");
  if (!to && !args.values.force) {
    const { plan } = await loadStackOrExit(args);
    const owners = databaseOwners(plan).map((s) => s.containerName);
    const running = (await runningStackContainers(plan.stack)).filter((name) => owners.includes(name));
    if (running.length) {
      process.stderr.write(
        `error: ${running.join(", ")} still running and may write the databases; stop them first (docker stop ${running.join(" ")}), or pass --force\n`,
      );
      return false;
    }
  }
  const rows = await withProgress(`restoring SQLite databases from ${folder}`, () => restoreSqlite({ folder, to: to && path.resolve(to) }));
  process.stdout.write(`${restoreTable(rows)}\n`);
  return rows.every((r) => r.status === "restored");
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`restore failed: ${(error as Error).message}\n`);
    process.exitCode = EXIT.failed;
  },
);
