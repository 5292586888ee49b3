/**
 * The VRAM estimator held to the real llama-server b9851 (issue 20). Each grid
 * point starts the real server (the image of scripts/build-real-images.sh) on a
 * sparse GGUF with a model's exact tensor list, at `-lv 4` so it prints its
 * buffers, and compares what it allocated with estimateFromArgs:
 *   - CPU only: the host model buffers equal the estimator's weights at full
 *     offload plus the input layer it keeps on the host when the output is not
 *     tied to it; the host KV buffer equals the estimator's KV;
 *   - placement: with ggml's RPC backend (an rpc-server on a private Docker
 *     network) as the device, at a partial -ngl, the device's model and KV
 *     buffers equal the estimator's, and so do the layer count and whether the
 *     output layer went to the device.
 * Figures are compared at the log's precision, 0.01 MiB.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PINNED_IMAGES } from "../../lib/images";
import { lockedFacts, type ModelLock } from "../../lib/models/lock";
import { estimateFromArgs, lookupByFileName, type VramEstimate } from "../../lib/vram";
import { bufferTensorBytes, ggmlType as ggml } from "../../lib/vram/ggml-types";
import { hasTiedOutput, layerOf, type ModelFacts } from "../../lib/vram/model-facts";
import { parseServerReport, sumOf, type ServerReport } from "../../lib/vram/server-report";
import { docker, dockerOk } from "./docker-cli";
import { vocabFile } from "./real-models/test-lock";
import { writeSparseModel } from "./real-models/sparse-model";

export const ORACLE_BUILD = 9851;

/** A shape no lock model has: a llama with grouped-query attention and an untied output layer. */
export const GQA_LLAMA: ModelFacts = llamaFacts({ nLayer: 6, nEmbd: 512, nHead: 8, nHeadKv: 2, nFf: 1536, nVocab: 128256 });

function llamaFacts(h: { nLayer: number; nEmbd: number; nHead: number; nHeadKv: number; nFf: number; nVocab: number }): ModelFacts {
  const t = (name: string, type: number, shape: number[]) => ({ name, type: ggml(type), shape });
  const kvDim = (h.nEmbd / h.nHead) * h.nHeadKv;
  const tensors = [t("token_embd.weight", 12, [h.nEmbd, h.nVocab])];
  for (let i = 0; i < h.nLayer; i++) {
    tensors.push(
      t(`blk.${i}.attn_norm.weight`, 0, [h.nEmbd]),
      t(`blk.${i}.attn_q.weight`, 12, [h.nEmbd, h.nEmbd]),
      t(`blk.${i}.attn_k.weight`, 12, [h.nEmbd, kvDim]),
      t(`blk.${i}.attn_v.weight`, 14, [h.nEmbd, kvDim]),
      t(`blk.${i}.attn_output.weight`, 12, [h.nEmbd, h.nEmbd]),
      t(`blk.${i}.ffn_norm.weight`, 0, [h.nEmbd]),
      t(`blk.${i}.ffn_gate.weight`, 12, [h.nEmbd, h.nFf]),
      t(`blk.${i}.ffn_up.weight`, 12, [h.nEmbd, h.nFf]),
      t(`blk.${i}.ffn_down.weight`, 14, [h.nFf, h.nEmbd]),
    );
  }
  tensors.push(t("output_norm.weight", 0, [h.nEmbd]), t("output.weight", 14, [h.nEmbd, h.nVocab]));
  const headDim = h.nEmbd / h.nHead;
  return { architecture: "llama", ...h, headDimK: headDim, headDimV: headDim, nCtxTrain: 8192, tensors };
}

export interface OracleModel {
  file: string;
  facts: ModelFacts;
}

/** The lock's generative models (the 3B chat, the 7B coder) and the GQA llama. */
export function oracleModelList(lock: ModelLock): OracleModel[] {
  const models = Object.entries(lockedFacts(lock))
    .filter(([, facts]) => facts.architecture === "qwen2")
    .map(([file, facts]) => ({ file, facts }));
  return [...models, { file: "oracle-gqa-llama.gguf", facts: GQA_LLAMA }];
}

/** Writes the models as sparse GGUFs in `dir` (once: an existing file is kept). */
export async function writeOracleModels(dir: string, models: OracleModel[]): Promise<void> {
  for (const m of models) {
    if (fs.existsSync(path.join(dir, m.file))) continue;
    await writeSparseModel(dir, m.file, m.facts, vocabFile(m.facts.architecture === "llama" ? "llama-bpe" : "qwen2"));
  }
}

/** The estimator's lookup over the oracle's models (the lock's entries and the extra shapes). */
function oracleLookup(models: OracleModel[]) {
  return lookupByFileName(Object.fromEntries(models.map((m) => [m.file, m.facts])), "the oracle's models", "add it to oracleModels");
}

export interface GridPoint {
  model: OracleModel;
  /** The memory settings under test (the rest of argv is fixed). */
  args: string[];
  /** A partial -ngl onto the RPC device, for a placement point. */
  deviceLayers?: number;
}

/**
 * The grid: every rule and every value the schema allows, pairwise rather than
 * the full product. Most points load the 3B (1 s each); the 7B, whose sparse
 * file the server reads at 12 s a start, covers the untied output and its own
 * head count at a few points.
 */
export function oracleGrid(models: OracleModel[]): GridPoint[] {
  const points: GridPoint[] = [];
  const [chat, code, llama] = models;
  const add = (model: OracleModel | undefined, ...args: string[]) => model && points.push({ model, args });
  // Context sizes, multiples of 256 and not, with flash attention on, off and auto.
  for (const c of ["256", "1000", "1024", "1100", "2048", "4096"])
    for (const fa of ["on", "off", "auto"]) add(chat, "-c", c, "-fa", fa, "-np", "1");
  // --parallel 1-4, dividing the context or not; unified, auto and left to the default.
  for (const np of ["1", "2", "3", "4"])
    for (const c of ["1024", "1100", "3000"]) add(chat, "-c", c, "-np", np, "-fa", np === "3" ? "off" : "on");
  add(chat, "-c", "2048", "-np", "3", "-kvu");
  add(chat, "-c", "2048", "-np", "-1");
  add(chat, "-c", "2048");
  // Every cache type, K and V alike and mixed (a quantised V needs flash attention: the schema refuses it with "off").
  for (const [k, v, fa] of [
    ["f32", "f32", "off"],
    ["f16", "f16", "off"],
    ["bf16", "bf16", "auto"],
    ["q8_0", "q8_0", "on"],
    ["q4_0", "q4_0", "on"],
    ["q4_1", "q4_1", "auto"],
    ["iq4_nl", "iq4_nl", "on"],
    ["q5_0", "q5_0", "on"],
    ["q5_1", "q5_1", "auto"],
    ["q8_0", "f16", "off"],
    ["f16", "q4_0", "on"],
    ["q5_1", "iq4_nl", "auto"],
  ]) {
    add(llama, "-c", "1536", "-ctk", k!, "-ctv", v!, "-fa", fa!, "-np", "2");
    add(chat, "-c", "1100", "-ctk", k!, "-ctv", v!, "-fa", fa!, "-np", "1");
  }
  // Batch and ubatch sizes (they move the compute buffer, never weights or KV).
  for (const [b, ub] of [
    ["2048", "512"],
    ["128", "128"],
    ["512", "64"],
    ["64", "256"],
  ])
    add(chat, "-c", "1024", "-b", b!, "-ub", ub!, "-np", "2");
  // The 7B: untied output (token_embd stays on the host), 4 KV heads of 128.
  add(code, "-c", "1100", "-np", "3", "-fa", "off", "-ctk", "q8_0");
  add(code, "-c", "2048", "-np", "1", "-fa", "auto");
  // Placement on a device: partial -ngl (blocks from the top, the output layer first), tied and untied outputs.
  for (const [model, layers] of [
    [chat, 1],
    [chat, 20],
    [code, 12],
    [llama, 3],
    [llama, 7],
  ] as const) {
    if (model) points.push({ model, args: ["-c", "1024", "-np", "1", "-fa", "on"], deviceLayers: layers });
  }
  return points;
}

export interface PointResult {
  point: GridPoint;
  argv: string[];
  estimate: VramEstimate;
  report: ServerReport;
  /** What the server allocated and what the estimator says, per figure, MiB. */
  weights: { server: number; estimate: number };
  kv: { server: number; estimate: number };
  placement?: { serverLayers: number; estimateLayers: number; serverOutput: boolean; estimateOutput: boolean };
}

/** The host weights of a CPU-only server, in bytes: everything the estimator puts on the GPU plus the input layer it keeps on the host. */
function hostWeightBytes(facts: ModelFacts, estimate: VramEstimate): number {
  const input = facts.tensors
    .filter((t) => layerOf(t.name).kind === "input")
    .reduce((s, t) => s + bufferTensorBytes(t.type, t.shape, "host"), 0);
  return estimate.bytes.weights + (hasTiedOutput(facts) ? 0 : input);
}

/**
 * Bytes as llama.cpp logs them, `%8.2f` of bytes / 2^20: the exact value rounded to
 * 0.01 with ties to even, as glibc's printf rounds (integer arithmetic, no float error).
 */
export function logMiB(bytes: number): number {
  const scaled = BigInt(Math.round(bytes)) * 100n;
  const unit = 1n << 20n;
  let q = scaled / unit;
  const twice = (scaled % unit) * 2n;
  if (twice > unit || (twice === unit && q % 2n === 1n)) q += 1n;
  return Number(q) / 100;
}

export interface OracleRig {
  modelsDir: string;
  models: OracleModel[];
  /** The Docker network and the rpc-server container on it. */
  network: string;
  rpc: string;
}

export async function startOracleRig(modelsDir: string, models: OracleModel[]): Promise<OracleRig> {
  const id = Math.random().toString(36).slice(2, 8);
  const network = `vram-oracle-${id}`;
  const rpc = `vram-oracle-rpc-${id}`;
  await dockerOk(["network", "create", "--internal", network]);
  await dockerOk([
    "run",
    "-d",
    "--name",
    rpc,
    "--network",
    network,
    "--entrypoint",
    "/app/rpc-server",
    PINNED_IMAGES.llamaCppCpu,
    "-H",
    "0.0.0.0",
    "-p",
    "50052",
  ]);
  return { modelsDir, models, network, rpc };
}

export async function stopOracleRig(rig: OracleRig): Promise<void> {
  await docker(["rm", "-f", rig.rpc]);
  await docker(["network", "rm", rig.network]);
}

/** Starts the real server for one point, reads its start-up report, stops it. */
export async function runPoint(rig: OracleRig, point: GridPoint): Promise<PointResult> {
  const argv = ["-m", `/models/${point.model.file}`, ...point.args, "--fit", "off", "--no-warmup", "--no-repack", "-lv", "4"];
  const serverArgv =
    point.deviceLayers === undefined ? [...argv, "-ngl", "0"] : [...argv, "--rpc", `${rig.rpc}:50052`, "-ngl", String(point.deviceLayers)];
  const name = `${rig.rpc}-point-${Math.random().toString(36).slice(2, 8)}`;
  await dockerOk([
    "run",
    "-d",
    "--name",
    name,
    "--network",
    rig.network,
    "-v",
    `${rig.modelsDir}:/models:ro`,
    PINNED_IMAGES.llamaCppCpu,
    ...serverArgv,
  ]);
  let log: string;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const logs = await docker(["logs", name]);
      log = `${logs.stdout}${logs.stderr}`;
      if (/listening on|server is listening/.test(log)) break;
      const running = (await docker(["inspect", "-f", "{{.State.Running}}", name])).stdout.trim();
      if (running !== "true" || Date.now() > deadline) {
        throw new Error(`llama-server ${serverArgv.join(" ")} did not start:\n${log.split("\n").slice(-15).join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await docker(["rm", "-f", name]);
  }
  const report = parseServerReport(log);
  const estimateArgv = point.deviceLayers === undefined ? [...argv, "-ngl", "999"] : [...argv, "-ngl", String(point.deviceLayers)];
  // The device here is a CPU backend (locally or behind RPC): its buffers align to 32 bytes, with no CUDA row padding.
  const estimate = estimateFromArgs(estimateArgv, oracleLookup(rig.models), { llamaBuild: ORACLE_BUILD, bufferKind: "host" });
  if (point.deviceLayers === undefined) {
    return {
      point,
      argv: serverArgv,
      estimate,
      report,
      weights: { server: sumOf(report.model, /^CPU/), estimate: logMiB(hostWeightBytes(point.model.facts, estimate)) },
      kv: { server: sumOf(report.kv, /^CPU/), estimate: logMiB(estimate.bytes.kv) },
    };
  }
  return {
    point,
    argv: serverArgv,
    estimate,
    report,
    weights: { server: sumOf(report.model, /^RPC/), estimate: logMiB(estimate.bytes.weights) },
    kv: { server: sumOf(report.kv, /^RPC/), estimate: logMiB(estimate.bytes.kv) },
    placement: {
      serverLayers: report.layersOffloaded?.offloaded ?? -1,
      estimateLayers: estimate.layersOnGpu,
      serverOutput: report.outputOffloaded,
      estimateOutput: estimate.outputOnGpu,
    },
  };
}
