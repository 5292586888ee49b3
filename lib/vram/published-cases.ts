/**
 * Published llama.cpp load-log figures the VRAM model is checked against (by
 * the tests and `npm run bench:vram`). Values are copied from the logs cited;
 * none comes from this module's own output.
 */
import { REFERENCE_MEASUREMENT_BUILD } from "./builds";

export interface PublishedBuffers {
  weightsMiB?: number;
  kvMiB?: number;
  computeMiB?: number;
  layersOnGpu?: number;
}

export interface PublishedCase {
  id: string;
  argv: string[];
  /** The build era the figures come from (approximate where the log did not print it). */
  llamaBuild: number;
  published: PublishedBuffers;
  source: string;
}

/** A build after --fit (late 2025) and before PR #23861, for logs that print "projected to use". */
const PRE_LIMITED_OUTPUTS_BUILD = 8000;

export const PUBLISHED_CASES: PublishedCase[] = [
  {
    id: "qwen2.5-3b ref (CUDA, ngl 999, c 1024, b 128)",
    argv: [
      "-m",
      "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf",
      "-t",
      "4",
      "-c",
      "1024",
      "-b",
      "128",
      "--n-gpu-layers",
      "999",
      "--parallel",
      "1",
      "--cont-batching",
    ],
    llamaBuild: REFERENCE_MEASUREMENT_BUILD,
    published: { weightsMiB: 1834.83, kvMiB: 36.0, computeMiB: 75.19, layersOnGpu: 37 },
    source: "reference deployment load log, 2025-10-09 (shared/reference/reference-stack.md 7.2)",
  },
  {
    id: "qwen2.5-7b (Vulkan, 29/29, c 4096, ub 512)",
    argv: ["-m", "Qwen2.5-7B-Instruct-Q4_K_M.gguf", "-c", "4096", "-ngl", "99"],
    llamaBuild: PRE_LIMITED_OUTPUTS_BUILD,
    published: { weightsMiB: 4168.09, kvMiB: 224.0, computeMiB: 304.0, layersOnGpu: 29 },
    source:
      'llama-server log on a 6 GiB card, "projected to use 4696 MiB" (vram-and-policy.md A2, public GitHub files 68321245610, 68444607792)',
  },
  {
    id: "qwen2-arch 7b (CUDA, c 2048, ub 512)",
    argv: ["-m", "qwen2.5-7b-instruct-q4_k_m.gguf", "-c", "2048", "-ngl", "99"],
    llamaBuild: PRE_LIMITED_OUTPUTS_BUILD,
    published: { kvMiB: 112.0, computeMiB: 304.0 },
    source: "llama-cpp-python log, KV 112.00 MiB, compute printed as 304.x MiB (JamePeng/llama-cpp-python#1)",
  },
];

/** The reference deployment's two servers on one RTX 4050 Laptop GPU, and what nvidia-smi showed. */
export const REFERENCE_PAIR = {
  chat: [
    "-m",
    "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf",
    "-t",
    "4",
    "-c",
    "1024",
    "-b",
    "128",
    "--n-gpu-layers",
    "999",
    "--parallel",
    "1",
    "--cont-batching",
  ],
  code: [
    "-m",
    "/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf",
    "-t",
    "4",
    "-c",
    "1024",
    "-b",
    "128",
    "--n-gpu-layers",
    "20",
    "--parallel",
    "1",
    "--cont-batching",
  ],
  llamaBuild: REFERENCE_MEASUREMENT_BUILD,
  measuredUsedMiB: 5374,
  gpuTotalMiB: 6141,
  source: "nvidia-smi with both llama-server processes, 2025-10-09 (reference-stack.md 7.2)",
};

/** llama.cpp's "model size = X GiB (Y BPW)" print_info lines for whole files. */
export const PUBLISHED_MODEL_SIZES = [
  { file: "qwen2.5-coder-7b-instruct-q4_k_m.gguf", gib: 4.36, bpw: 4.91, source: "ollama/ollama#8509" },
  { file: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", gib: 4.58, bpw: 4.89, source: "public GitHub file 47209433997" },
];
