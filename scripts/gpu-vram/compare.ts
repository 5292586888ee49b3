/**
 * The GPU measurement against the plan (issue 20): for each server run by
 * run-on-gpu.sh, its CUDA0 model, KV and compute buffers (from its -lv 4 log)
 * and nvidia-smi's memory for its process, beside the estimate. What the
 * process holds beyond its buffers is that card's per-process overhead, the
 * figure the plan assumes to be 300 MiB (measured on the RTX 4050).
 *
 *   npx tsx scripts/gpu-vram/compare.ts <dir>/out
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseServerReport, sumOf } from "../../lib/vram/server-report";

interface PlannedServer {
  service: string;
  estimate: { weightsMiB: number; kvMiB: number; computeMiB: number; overheadMiB: number; totalMiB: number };
}

function main(): void {
  const out = process.argv[2];
  if (!out) throw new Error("usage: npx tsx scripts/gpu-vram/compare.ts <dir>/out");
  const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as { servers: PlannedServer[] };
  const gpu = fs.existsSync(path.join(out, "gpu.csv"))
    ? fs.readFileSync(path.join(out, "gpu.csv"), "utf8").split("\n")[1]?.split(",")[0]?.trim()
    : "?";
  const pids = new Map(
    (fs.existsSync(path.join(out, "pids.txt")) ? fs.readFileSync(path.join(out, "pids.txt"), "utf8") : "")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string]),
  );
  const used = new Map(
    (fs.existsSync(path.join(out, "processes.csv")) ? fs.readFileSync(path.join(out, "processes.csv"), "utf8") : "")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(",").map((x) => x.trim()) as [string, string]),
  );
  for (const s of plan.servers) {
    const report = parseServerReport(fs.readFileSync(path.join(out, `${s.service}.log`), "utf8"));
    const cuda = { weights: sumOf(report.model, /^CUDA0/), kv: sumOf(report.kv, /^CUDA0/), compute: sumOf(report.compute, /^CUDA0/) };
    const processMiB = Number(used.get(pids.get(s.service) ?? "") ?? NaN);
    const overhead = processMiB - cuda.weights - cuda.kv - cuda.compute;
    console.log(
      [
        "gpu-vram:",
        `gpu="${gpu}"`,
        `service=${s.service}`,
        `weights_mib=${cuda.weights}/${s.estimate.weightsMiB}`,
        `kv_mib=${cuda.kv}/${s.estimate.kvMiB}`,
        `compute_mib=${cuda.compute}/${s.estimate.computeMiB}`,
        `process_mib=${Number.isNaN(processMiB) ? "?" : processMiB}/${s.estimate.totalMiB}`,
        `overhead_mib=${Number.isNaN(overhead) ? "?" : overhead.toFixed(2)}/${s.estimate.overheadMiB}`,
      ].join(" "),
    );
  }
}

main();
