/** Where a stack's backups go: `backup.dir` (default `backups/` in the project directory), one folder per stack. */
import * as path from "node:path";
import type { StackConfig } from "../../config/schema";

export function stackBackupDir(config: Pick<StackConfig, "backup">, projectDir: string, stack: string): string {
  return path.join(config.backup.dir ?? path.join(projectDir, "backups"), stack);
}

/** The backups `up` takes before it changes a data-holding container, kept apart from the ones a person takes. */
export function preChangeBackupDir(config: Pick<StackConfig, "backup">, projectDir: string, stack: string): string {
  return path.join(stackBackupDir(config, projectDir, stack), "pre-change");
}
