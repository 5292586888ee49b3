/**
 * The container healthcheck: GET a URL, succeed only on 200 (and, when asked,
 * on a JSON body whose field is `true`). The images have node but no curl or
 * python, so Docker runs this with `node`.
 */

export interface ProbeResult {
  healthy: boolean;
  reason: string;
}

export async function probe(url: string, options: { requireTrueField?: string; timeoutMs: number }): Promise<ProbeResult> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { healthy: false, reason: `GET ${url} failed: ${cause ?? (error as Error).message}` };
  }
  const text = await res.text();
  if (res.status !== 200) return { healthy: false, reason: `GET ${url} answered ${res.status}: ${text.slice(0, 500)}` };
  const field = options.requireTrueField;
  if (field) {
    let value: unknown;
    try {
      value = (JSON.parse(text) as Record<string, unknown>)[field];
    } catch {
      return { healthy: false, reason: `GET ${url} answered 200 without a JSON body` };
    }
    if (value !== true)
      return { healthy: false, reason: `GET ${url}: "${field}" is ${JSON.stringify(value)}, not true: ${text.slice(0, 500)}` };
  }
  return { healthy: true, reason: `GET ${url} answered 200` };
}

/** Runs the probe and sets the exit code Docker reads (0 healthy, 1 unhealthy); the reason goes to the health log. */
export async function runProbe(url: string, options: { requireTrueField?: string; timeoutMs: number }): Promise<void> {
  const result = await probe(url, options);
  (result.healthy ? process.stdout : process.stderr).write(`${result.reason}\n`);
  process.exitCode = result.healthy ? 0 : 1;
}
