/** Backup folders are `<stack>-<UTC stamp>`; retention keeps the newest N complete ones of a stack and never touches anything else. */
import * as fs from "node:fs";
import * as path from "node:path";

export const DEFAULT_KEEP = 7;

/** 2025-01-31T03:00:05.123Z -> 20250131T030005Z (sorts as text in time order). */
export function backupStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

export function backupFolderName(stack: string, date: Date): string {
  return `${stack}-${backupStamp(date)}`;
}

/** Names among `names` that retention removes: this stack's complete backups beyond the newest `keep`. */
export function expiredBackups(names: string[], stack: string, keep: number): string[] {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be at least 1, got ${keep}`);
  const pattern = new RegExp(`^${stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{8}T\\d{6}Z$`);
  return names
    .filter((n) => pattern.test(n))
    .sort()
    .reverse()
    .slice(keep);
}

export function pruneBackups(root: string, stack: string, keep: number): string[] {
  const expired = expiredBackups(fs.readdirSync(root), stack, keep);
  for (const name of expired) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  return expired;
}
