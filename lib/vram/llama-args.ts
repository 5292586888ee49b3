/**
 * Parses a llama-server argument list (as the container runs it) into the
 * settings that decide memory use. Long and short forms, `--flag=value`, and
 * the old bare boolean `-fa` are accepted; unknown flags are ignored, because
 * the VRAM model only needs a handful of them. Shared with the policy pack.
 */

export type FlashAttnMode = "on" | "off" | "auto";

/** `-ngl` as given: a count, "all" (also 999-style counts), or "auto" (`auto`, or a negative count). */
export type GpuLayersArg = number | "all" | "auto";

export interface LlamaServerArgs {
  model?: string;
  nGpuLayers?: GpuLayersArg;
  ctxSize?: number;
  batchSize?: number;
  ubatchSize?: number;
  /** `-np` as given; -1 ("auto") is kept as "auto". */
  parallel?: number | "auto";
  /** `-kvu` / `--no-kv-unified` as given; undefined: the build's default. */
  kvUnified?: boolean;
  flashAttn?: FlashAttnMode;
  cacheTypeK?: string;
  cacheTypeV?: string;
  /** False with `--no-kv-offload` / `-nkvo`: the KV cache stays in host RAM. */
  kvOffload: boolean;
  /** False with `--no-op-offload`: CPU-resident weights are never staged on the GPU. */
  opOffload: boolean;
}

type Setter = (args: LlamaServerArgs, value: string, flag: string) => void;

interface FlagSpec {
  names: string[];
  /** Takes a value (the next token, or after `=`). */
  takesValue: boolean;
  set: Setter;
}

const FLAGS: FlagSpec[] = [
  { names: ["-m", "--model"], takesValue: true, set: (a, v) => (a.model = v) },
  { names: ["-ngl", "--n-gpu-layers", "--gpu-layers"], takesValue: true, set: (a, v, f) => (a.nGpuLayers = parseGpuLayers(v, f)) },
  { names: ["-c", "--ctx-size"], takesValue: true, set: (a, v, f) => (a.ctxSize = parseCount(v, f, 0)) },
  { names: ["-b", "--batch-size"], takesValue: true, set: (a, v, f) => (a.batchSize = parseCount(v, f, 1)) },
  { names: ["-ub", "--ubatch-size"], takesValue: true, set: (a, v, f) => (a.ubatchSize = parseCount(v, f, 1)) },
  { names: ["-np", "--parallel"], takesValue: true, set: (a, v, f) => (a.parallel = parseParallel(v, f)) },
  { names: ["-ctk", "--cache-type-k"], takesValue: true, set: (a, v) => (a.cacheTypeK = v.toLowerCase()) },
  { names: ["-ctv", "--cache-type-v"], takesValue: true, set: (a, v) => (a.cacheTypeV = v.toLowerCase()) },
  { names: ["-nkvo", "--no-kv-offload"], takesValue: false, set: (a) => (a.kvOffload = false) },
  { names: ["-kvo", "--kv-offload"], takesValue: false, set: (a) => (a.kvOffload = true) },
  { names: ["--no-op-offload"], takesValue: false, set: (a) => (a.opOffload = false) },
  { names: ["-kvu", "--kv-unified"], takesValue: false, set: (a) => (a.kvUnified = true) },
  { names: ["-no-kvu", "--no-kv-unified"], takesValue: false, set: (a) => (a.kvUnified = false) },
];

const FLASH_ATTN_NAMES = ["-fa", "--flash-attn"];
const FLASH_ATTN_VALUES: Record<string, FlashAttnMode> = {
  on: "on",
  off: "off",
  auto: "auto",
  true: "on",
  false: "off",
  enabled: "on",
  disabled: "off",
  "1": "on",
  "0": "off",
};

const GPU_LAYER_FLAGS = new Set(FLAGS[1]!.names);

export function parseLlamaArgs(argv: readonly string[]): LlamaServerArgs {
  const args: LlamaServerArgs = { kvOffload: true, opOffload: true };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const { flag, inline } = splitInline(token);
    if (FLASH_ATTN_NAMES.includes(flag)) {
      // Since ~Sept 2025 `-fa` takes on|off|auto; older builds had a bare boolean flag.
      const candidate = inline ?? argv[i + 1];
      const mode = candidate === undefined ? undefined : FLASH_ATTN_VALUES[candidate.toLowerCase()];
      if (inline !== undefined && mode === undefined) throw new Error(`${flag}: expected on, off or auto, got "${inline}"`);
      args.flashAttn = mode ?? "on";
      if (mode !== undefined && inline === undefined) i++;
      continue;
    }
    const spec = FLAGS.find((f) => f.names.includes(flag));
    if (!spec) continue; // unknown flag, or the value of one: irrelevant to memory
    if (!spec.takesValue) {
      spec.set(args, "", flag);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    spec.set(args, value, flag);
  }
  return args;
}

/** True for a flag the VRAM model knows that takes no value (`--no-kv-offload`). */
export function isValuelessFlag(flag: string): boolean {
  return FLAGS.some((f) => !f.takesValue && f.names.includes(flag));
}

/** A copy of argv with every `-ngl` form removed and `--n-gpu-layers <layers>` appended. */
export function withGpuLayers(argv: readonly string[], layers: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const { flag, inline } = splitInline(argv[i]!);
    if (GPU_LAYER_FLAGS.has(flag)) {
      if (inline === undefined) i++; // drop the value token too
      continue;
    }
    out.push(argv[i]!);
  }
  return [...out, "--n-gpu-layers", String(layers)];
}

function splitInline(token: string): { flag: string; inline?: string } {
  if (!token.startsWith("-")) return { flag: token };
  const eq = token.indexOf("=");
  return eq > 0 ? { flag: token.slice(0, eq), inline: token.slice(eq + 1) } : { flag: token };
}

function parseGpuLayers(value: string, flag: string): GpuLayersArg {
  const v = value.trim().toLowerCase();
  if (v === "all") return "all";
  if (v === "auto") return "auto";
  const n = parseInteger(v, flag);
  return n < 0 ? "auto" : n;
}

function parseCount(value: string, flag: string, min: number): number {
  const n = parseInteger(value.trim(), flag);
  if (n < min) throw new Error(`${flag}: must be >= ${min}, got ${n}`);
  return n;
}

function parseParallel(value: string, flag: string): number | "auto" {
  const n = parseInteger(value.trim(), flag);
  // -1 = "auto" in newer builds (4 slots sharing one unified KV pool); 0 is refused by llama-server.
  if (n === 0) throw new Error(`${flag}: must be >= 1 or -1 (auto), got 0`);
  return n < 0 ? "auto" : n;
}

/** Slots and whether their KV cache is one unified pool, as llama-server resolves `-np` and `-kvu`. */
export function resolveSlots(args: LlamaServerArgs, defaultParallel: 1 | "auto"): { parallel: number; unified: boolean } {
  const given = args.parallel ?? defaultParallel;
  // llama-server turns "auto" into 4 slots and forces a unified cache (tools/server/server.cpp).
  if (given === "auto") return { parallel: 4, unified: true };
  return { parallel: given, unified: args.kvUnified ?? false };
}

function parseInteger(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value)) throw new Error(`${flag}: expected an integer, got "${value}"`);
  return Number(value);
}
