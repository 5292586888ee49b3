/**
 * The pre-change backup command: `npm run backup`'s container mode, run by a
 * command resource on the machine running `pulumi up` (the one with the Docker
 * daemon). It reads the old container through `docker inspect`, so a change of
 * ports, paths or keys still backs up the data where it is now.
 */
import * as path from "node:path";
import type { PreChangeBackup } from "../components/service-ops";
import type { ServiceSpec } from "../lib/plan/service-spec";
import { shellCommand } from "../lib/shell";

export interface PreChangeBackupOptions {
  stack: string;
  /** This repository (scripts/backup.ts and its node_modules). */
  repoDir: string;
  /** Where the backups go (lib/backup/location.ts), one folder per service (they may run at once). */
  dir: string;
  keep: number;
  /** The daemon the docker provider talks to, when not the local socket. */
  dockerHost?: string;
}

export function preChangeBackup(options: PreChangeBackupOptions): PreChangeBackup {
  return {
    commandFor: (spec: ServiceSpec) => ({
      // `node`: the one on PATH runs this program too (the Node.js language host starts it).
      create: shellCommand([
        "node",
        "node_modules/tsx/dist/cli.mjs",
        "scripts/backup.ts",
        "--stack",
        options.stack,
        "--container",
        spec.containerName,
        "--missing-ok",
        "--dir",
        path.join(options.dir, spec.service),
        "--keep",
        String(options.keep),
      ]),
      dir: options.repoDir,
      environment: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined,
    }),
  };
}
