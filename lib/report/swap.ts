/** bench:swap's one line: what on-demand loading costs a request, from a run's timed completions. */
import { percentile } from "../gateway/failover-report";

export interface SwapFigures {
  /** Models the run rotated through. */
  models: number;
  maxLoaded: number;
  /** Time to first token of requests whose model was loaded, ms. */
  loadedMs: number[];
  /** Time to first token of requests whose model had to be loaded first (another unloaded before), ms. */
  swappedMs: number[];
  peakChildren: number;
}

export function swapLine(f: SwapFigures): string {
  const ms = (values: number[], p: number) => (values.length ? Math.round(percentile(values, p)) : "none");
  return [
    "swap:",
    `models=${f.models}`,
    `max_loaded=${f.maxLoaded}`,
    `first_token_ms_loaded=${ms(f.loadedMs, 50)}`,
    `first_token_ms_swapped=${ms(f.swappedMs, 50)}`,
    `peak_children=${f.peakChildren}`,
    `first_token_ms_loaded_p90=${ms(f.loadedMs, 90)}`,
    `first_token_ms_swapped_p90=${ms(f.swappedMs, 90)}`,
    `rounds=${Math.min(f.loadedMs.length, f.swappedMs.length)}`,
  ].join(" ");
}
