/** The `health` table: one row per check, with what each failure blocks. */
import { renderTable } from "../table";
import { TOTAL_TOLERANCE } from "../../lib/vram/allocation-check";
import type { AllocationReport } from "./allocations";
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

/** Plan against allocation: one row per figure and server; "differs" beyond the tolerance. */
export function allocationTable(reports: AllocationReport[]): string {
  return renderTable(
    ["SERVICE", "FIGURE", "PLANNED", "SERVER", "VERDICT"],
    reports.flatMap((r) =>
      r.error
        ? [[r.service, "-", "-", "-", `not asked: ${r.error}`]]
        : r.rows.map((row) => [
            r.service,
            row.figure,
            row.planned,
            row.observed,
            row.ok ? "matches" : row.figure === "gpu MiB" ? `differs by more than ${TOTAL_TOLERANCE * 100} %` : "differs",
          ]),
    ),
  );
}
