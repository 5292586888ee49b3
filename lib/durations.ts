/**
 * Docker reads healthcheck durations back as Go's `time.Duration.String()`
 * ("1m30s", "10m0s"), and the provider has no diff suppression, so any other
 * spelling shows a change on every preview. Everything we hand to the provider
 * goes through `goDuration`.
 */

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Formats whole milliseconds the way Go's time.Duration.String() does. */
export function goDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new RangeError(`duration must be a whole, non-negative number of milliseconds, got ${ms}`);
  }
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = Number.isInteger(seconds) ? `${seconds}` : `${seconds}`.replace(/0+$/, "");
  if (hours > 0) return `${hours}h${minutes}m${secondsText}s`;
  if (minutes > 0) return `${minutes}m${secondsText}s`;
  return `${secondsText}s`;
}

/** Formats whole seconds as a Go duration. */
export function goSeconds(seconds: number): string {
  return goDuration(Math.round(seconds * 1000));
}

/** Parses a Go-style duration ("1m30s", "500ms", "2h") into milliseconds; undefined if malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(value) * UNIT_MS[unit];
  }
  return total;
}

/** True when `text` is exactly what Docker will read back (canonical Go form). */
export function isCanonicalGoDuration(text: string): boolean {
  const ms = parseGoDuration(text);
  return ms !== undefined && Number.isInteger(ms) && goDuration(ms) === text;
}
