/** Tables for backup and restore. */
import { renderTable } from "../table";
import type { Manifest } from "./manifest";
import type { RestoreRow } from "./restore";
import type { QdrantRestoreRow } from "./restore-qdrant";

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function backupTable(manifest: Manifest): string {
  return renderTable(
    ["KIND", "WHAT", "FILE", "SIZE", "SHA256"],
    manifest.files.map((f) => [f.kind, f.collection ?? f.source ?? "all collections", f.path, formatBytes(f.size), `${f.sha256.slice(0, 12)}...`]),
  );
}

export function restoreTable(rows: RestoreRow[]): string {
  return renderTable(
    ["FILE", "RESTORED TO", "RESULT", "DETAIL", "PREVIOUS DATABASE KEPT AT"],
    rows.map((r) => [r.file, r.target, r.status.toUpperCase(), r.detail, r.previous ?? "-"]),
  );
}

export function qdrantRestoreTable(rows: QdrantRestoreRow[]): string {
  return renderTable(
    ["COLLECTION", "RESULT", "DETAIL"],
    rows.map((r) => [r.collection, r.status.toUpperCase(), r.detail]),
  );
}
