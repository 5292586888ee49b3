/** The `health` table: one row per check, with what each failure blocks. */
import { renderTable } from "../table";
import type { HealthRow } from "./run-health";

export function healthTable(rows: HealthRow[]): string {
  return renderTable(
    ["SERVICE", "STATE", "HTTP", "LATENCY", "CHECKED", "DETAIL", "BLOCKS"],
    rows.map((r) => [
      r.service,
      r.state.toUpperCase(),
      r.httpStatus ?? "-",
      r.latencyMs === undefined ? "-" : `${r.latencyMs} ms`,
      r.checked,
      r.detail,
      r.blocks.length ? r.blocks.join(", ") : "-",
    ]),
  );
}
