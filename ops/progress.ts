/**
 * A progress indication for anything that may take more than a second: nothing
 * is shown for fast tasks; after `delayMs` a spinner with the elapsed time on a
 * terminal, or one line per step when stderr is a pipe (CI logs stay readable).
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Quiet period before anything is shown. */
  delayMs?: number;
  /** Spinner redraw interval on a terminal. */
  intervalMs?: number;
}

const FRAMES = ["|", "/", "-", "\\"];

/** Runs `task`; it may call `step(text)` to say what it is doing now. */
export async function withProgress<T>(
  label: string,
  task: (step: (text: string) => void) => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  let text = label;
  let shown = false;
  let frame = 0;
  let spinner: NodeJS.Timeout | undefined;

  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${text} (${seconds}s)`);
  };
  const show = () => {
    shown = true;
    if (stream.isTTY) {
      draw();
      spinner = setInterval(draw, options.intervalMs ?? 125);
    } else {
      stream.write(`... ${text}\n`);
    }
  };
  const step = (next: string) => {
    text = next;
    if (shown && !stream.isTTY) stream.write(`... ${text}\n`);
  };

  const delay = setTimeout(show, options.delayMs ?? 1000);
  try {
    return await task(step);
  } finally {
    clearTimeout(delay);
    if (spinner) clearInterval(spinner);
    if (shown && stream.isTTY) stream.write("\r\x1b[K");
  }
}
