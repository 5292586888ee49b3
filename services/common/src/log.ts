/** One JSON object per line on stdout/stderr, which Docker's log driver and Loki keep as is. */

export type LogLevel = "debug" | "info" | "warn" | "error";

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** LOG_LEVEL is read on every call, so a test can quiet a service it runs in-process. */
function threshold(): number {
  return order[process.env.LOG_LEVEL?.toLowerCase() as LogLevel] ?? order.info;
}

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (order[level] < threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (order[level] >= order.warn) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
