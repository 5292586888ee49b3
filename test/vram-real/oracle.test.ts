/**
 * The VRAM estimator against the real llama-server b9851 (test/support/vram-oracle.ts):
 * at every grid point the weights and KV the server allocated equal the estimate
 * as the server's log rounds it (0.01 MiB), and at a partial -ngl on a device
 * (ggml's RPC backend) the layers and the output layer go where the estimator
 * puts them. About 100 s on 2 cores; bench:vram-real prints the same grid's line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProgramModelLock } from "../../program/model-lock";
import { requireRealImages } from "../support/real-images";
import {
  oracleGrid,
  oracleModelList,
  runPoint,
  startOracleRig,
  stopOracleRig,
  writeOracleModels,
  type OracleRig,
} from "../support/vram-oracle";
import { REPO_DIR } from "../support/pulumi-cli";

const models = oracleModelList(readProgramModelLock(REPO_DIR));
const grid = oracleGrid(models);
let dir: string;
let rig: OracleRig | undefined;

beforeAll(async () => {
  await requireRealImages();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vram-oracle-"));
  await writeOracleModels(dir, models);
  rig = await startOracleRig(dir, models);
}, 300_000);

afterAll(async () => {
  if (rig) await stopOracleRig(rig);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.sequential("the VRAM estimate equals what the real llama-server b9851 allocates", () => {
  it.each(
    grid.map(
      (point) =>
        [
          `${point.model.file} ${point.args.join(" ")}${point.deviceLayers === undefined ? "" : ` -ngl ${point.deviceLayers} on RPC`}`,
          point,
        ] as const,
    ),
  )(
    "%s",
    async (_, point) => {
      const r = await runPoint(rig!, point);
      expect({ weights: r.weights.server, kv: r.kv.server, cells: r.report.nCtx }).toEqual({
        weights: r.weights.estimate,
        kv: r.kv.estimate,
        cells: r.estimate.kvCells,
      });
      if (r.placement) {
        expect({ layers: r.placement.serverLayers, output: r.placement.serverOutput }).toEqual({
          layers: r.placement.estimateLayers,
          output: r.placement.estimateOutput,
        });
      }
    },
    120_000,
  );
});
