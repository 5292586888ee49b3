/**
 * What a llama-server says it allocated, read from its start-up log (b9851
 * prints these lines when its log verbosity lets INFO through, e.g. `-lv 4`):
 *   load_tensors:   CPU_Mapped model buffer size =  1834.82 MiB
 *   llama_kv_cache:        CPU KV buffer size =    36.00 MiB
 *   llama_context:        CPU compute buffer size =    19.88 MiB
 *   load_tensors: offloaded 20/29 layers to GPU
 * Figures are per buffer type ("CPU_Mapped", "CUDA0", "RPC0[127.0.0.1:50052]"),
 * summed where a type repeats, in MiB as the log rounds them (0.01).
 */
export interface ServerReport {
  /** Model weights per buffer type. */
  model: Record<string, number>;
  kv: Record<string, number>;
  compute: Record<string, number>;
  output: Record<string, number>;
  /** "offloaded N/M layers to GPU", when printed. */
  layersOffloaded?: { offloaded: number; total: number };
  /** The server printed "offloading output layer to GPU". */
  outputOffloaded: boolean;
  /** llama_context's n_ctx (cells after padding), when printed. */
  nCtx?: number;
  nCtxSeq?: number;
  nSeqMax?: number;
}

const add = (into: Record<string, number>, key: string, mib: number) => (into[key] = Math.round(((into[key] ?? 0) + mib) * 100) / 100);

export function parseServerReport(log: string): ServerReport {
  const report: ServerReport = { model: {}, kv: {}, compute: {}, output: {}, outputOffloaded: false };
  for (const line of log.split("\n")) {
    const buffer = /\s(\S+)\s+(model|KV|compute|output) buffer size = +([\d.]+) MiB/.exec(line);
    if (buffer) {
      const kind = buffer[2] === "KV" ? "kv" : (buffer[2] as "model" | "compute" | "output");
      add(report[kind], buffer[1]!, Number(buffer[3]));
      continue;
    }
    const offloaded = /offloaded (\d+)\/(\d+) layers to GPU/.exec(line);
    if (offloaded) report.layersOffloaded = { offloaded: Number(offloaded[1]), total: Number(offloaded[2]) };
    if (/offloading output layer to GPU/.test(line)) report.outputOffloaded = true;
    const ctx = /llama_context: (n_ctx|n_ctx_seq|n_seq_max)\s+= (\d+)/.exec(line);
    if (ctx) report[ctx[1] === "n_ctx" ? "nCtx" : ctx[1] === "n_ctx_seq" ? "nCtxSeq" : "nSeqMax"] = Number(ctx[2]);
  }
  return report;
}

/** Sum of a report section over buffer types matching `device` (e.g. /^CPU/ for host buffers, /^CUDA0$/). */
export function sumOf(section: Record<string, number>, device: RegExp): number {
  return Math.round(Object.entries(section).reduce((sum, [name, mib]) => (device.test(name) ? sum + mib : sum), 0) * 100) / 100;
}
