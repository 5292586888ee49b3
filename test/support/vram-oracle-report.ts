/** The oracle's one-line summary and per-point rows (bench:vram-real, the oracle test, docs/vram-real.md). */
import type { PointResult } from "./vram-oracle";

const err = (f: { server: number; estimate: number }) => Math.round(Math.abs(f.server - f.estimate) * 100) / 100;

export function oracleLine(build: number, results: PointResult[], seconds?: number): string {
  const placed = results.filter((r) => r.placement);
  return [
    "vram-real:",
    `build=${build}`,
    `points=${results.length}`,
    `weights_exact=${results.filter((r) => err(r.weights) === 0).length}`,
    `kv_exact=${results.filter((r) => err(r.kv) === 0).length}`,
    `max_weight_err_mib=${Math.max(0, ...results.map((r) => err(r.weights))).toFixed(2)}`,
    `max_kv_err_mib=${Math.max(0, ...results.map((r) => err(r.kv))).toFixed(2)}`,
    `placement_checked=${placed.filter((r) => r.placement!.serverLayers === r.placement!.estimateLayers && r.placement!.serverOutput === r.placement!.estimateOutput).length}`,
    ...(seconds === undefined ? [] : [`wall_s=${seconds.toFixed(0)}`]),
  ].join(" ");
}

/** `| model | settings | weights server/estimate | KV server/estimate | cells | placement |` */
export function oracleRow(r: PointResult): string {
  const p = r.placement;
  return [
    "",
    r.point.model.file,
    [...r.point.args, ...(r.point.deviceLayers === undefined ? [] : ["-ngl", String(r.point.deviceLayers), "(RPC)"])].join(" "),
    `${r.weights.server.toFixed(2)} / ${r.weights.estimate.toFixed(2)}`,
    `${r.kv.server.toFixed(2)} / ${r.kv.estimate.toFixed(2)}`,
    `${r.report.nCtx ?? "?"} / ${r.estimate.kvCells}`,
    p ? `${p.serverLayers}${p.serverOutput ? "+out" : ""} / ${p.estimateLayers}${p.estimateOutput ? "+out" : ""}` : "",
    "",
  ]
    .join(" | ")
    .trim();
}
