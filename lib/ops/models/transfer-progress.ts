/**
 * The progress bar of a download or a checksum: bytes done of total, the rate
 * over the last few seconds, and the time left. On a terminal one line is
 * redrawn in place; in a pipe (CI logs) a line is printed every few seconds.
 */
import type { ProgressStream } from "../progress";

const KIB = 1024;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= KIB;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Rate over a sliding window of samples, so a stall shows as a falling rate, not a lifetime average. */
export class TransferMeter {
  private samples: { at: number; bytes: number }[] = [];
  constructor(
    readonly total: number,
    private readonly windowMs = 5000,
  ) {}

  sample(bytes: number, at: number): { rate: number; etaSec: number } {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    const rate = seconds > 0 ? (bytes - first.bytes) / seconds : 0;
    return { rate, etaSec: rate > 0 ? (this.total - bytes) / rate : Infinity };
  }
}

export function progressLine(label: string, done: number, total: number, rate: number, etaSec: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} ${bar} ${pct} ${formatBytes(done)} / ${formatBytes(total)}  ${formatBytes(Math.round(rate))}/s  ETA ${formatDuration(etaSec)}`;
}

export interface ProgressBar {
  update(done: number): void;
  /** Clears the live line (terminal) and prints `summary`. */
  finish(summary: string): void;
}

export function progressBar(label: string, total: number, options: { stream?: ProgressStream; now?: () => number; redrawMs?: number; logEveryMs?: number } = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const meter = new TransferMeter(total);
  const every = stream.isTTY ? (options.redrawMs ?? 200) : (options.logEveryMs ?? 5000);
  let last = -Infinity;
  let drawn = false;
  return {
    update(done) {
      const at = now();
      const { rate, etaSec } = meter.sample(done, at);
      if (at - last < every && done < total) return;
      last = at;
      const line = progressLine(label, done, total, rate, etaSec);
      if (stream.isTTY) {
        stream.write(`\r\x1b[K${line}`);
        drawn = true;
      } else stream.write(`${line}\n`);
    },
    finish(summary) {
      stream.write(`${stream.isTTY && drawn ? "\r\x1b[K" : ""}${summary}\n`);
    },
  };
}
