/**
 * `npm run bench:vram-real`: the VRAM estimator against the real llama-server
 * b9851 over the oracle's whole grid (test/support/vram-oracle.ts), one line:
 *   vram-real: build=9851 points=N weights_exact=N kv_exact=N max_weight_err_mib=X max_kv_err_mib=X placement_checked=N
 * `--table` also prints one row per point. Needs Docker and the real image
 * (bash scripts/build-real-images.sh llama-server). Exits 1 unless every point is exact.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readProgramModelLock } from "../program/model-lock";
import { ensureRealImages } from "../test/support/real-images";
import {
  ORACLE_BUILD,
  oracleGrid,
  oracleModelList,
  runPoint,
  startOracleRig,
  stopOracleRig,
  writeOracleModels,
  type PointResult,
} from "../test/support/vram-oracle";
import { oracleLine, oracleRow } from "../test/support/vram-oracle-report";

async function main(): Promise<void> {
  ensureRealImages();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vram-real-"));
  const models = oracleModelList(readProgramModelLock(path.join(__dirname, "..")));
  await writeOracleModels(dir, models);
  const rig = await startOracleRig(dir, models);
  const results: PointResult[] = [];
  const started = Date.now();
  try {
    for (const point of oracleGrid(models)) {
      const result = await runPoint(rig, point);
      results.push(result);
      if (process.argv.includes("--table")) console.log(oracleRow(result));
    }
  } finally {
    await stopOracleRig(rig);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(oracleLine(ORACLE_BUILD, results, (Date.now() - started) / 1000));
  const inexact = results.filter((r) => r.weights.server !== r.weights.estimate || r.kv.server !== r.kv.estimate);
  process.exit(inexact.length === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
