/**
 * Reads a service's settings from environment variables. Every bad value is
 * collected, so one failed start names all of them, each by its variable.
 */
import { readSecretFile } from "./secret-file.ts";

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

export interface Bounds {
  min?: number;
  max?: number;
  /** The value must be greater than `min` (for durations and the like). */
  exclusiveMin?: boolean;
}

const TRUE_WORDS = new Set(["1", "true", "yes", "y", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "n", "off"]);

export class EnvReader {
  private readonly env: Env;
  private readonly problems: string[] = [];

  constructor(env: Env) {
    this.env = env;
  }

  /** The trimmed value, or undefined when the variable is unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  /**
   * A secret: from the file `<name>_FILE` names (what the plan ships, so the
   * value never shows in `docker inspect`), else from `<name>` itself. Both
   * set is a mistake worth a clear error.
   */
  optionalSecret(name: string): string | undefined {
    const file = this.raw(`${name}_FILE`);
    if (file && this.raw(name)) {
      this.problems.push(`${name} and ${name}_FILE are both set: set one (the file keeps the value out of docker inspect)`);
      return undefined;
    }
    if (!file) return this.raw(name);
    try {
      return readSecretFile(file, `${name}_FILE`);
    } catch (error) {
      this.problems.push((error as Error).message);
      return undefined;
    }
  }

  /** An http(s) URL without a trailing slash, so paths can be appended. */
  url(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return this.reject(name, `must be an http(s) URL such as http://host:port (got ${JSON.stringify(value)})`, fallback);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return this.reject(name, `must use http or https (got ${JSON.stringify(value)})`, fallback);
    }
    return value.replace(/\/+$/, "");
  }

  int(name: string, fallback: number, bounds: Bounds = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(value))
      return this.reject(name, `must be an integer${describeBounds(bounds)} (got ${JSON.stringify(value)})`, fallback);
    return this.bounded(name, Number(value), bounds, "an integer", fallback);
  }

  number(name: string, fallback: number, bounds: Bounds = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed))
      return this.reject(name, `must be a number${describeBounds(bounds)} (got ${JSON.stringify(value)})`, fallback);
    return this.bounded(name, parsed, bounds, "a number", fallback);
  }

  /** A duration given in seconds (fractions allowed); returned in milliseconds. */
  seconds(name: string, fallbackSec: number): number {
    return Math.round(this.number(name, fallbackSec, { min: 0, exclusiveMin: true }) * 1000);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
    return this.reject(name, `must be true or false (got ${JSON.stringify(value)})`, fallback);
  }

  /** Records a problem found by a cross-variable check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a ConfigError naming every bad variable, if there was any. */
  done(): void {
    if (this.problems.length) throw new ConfigError(this.problems);
  }

  private bounded(name: string, value: number, bounds: Bounds, kind: string, fallback: number): number {
    const tooLow = bounds.min !== undefined && (bounds.exclusiveMin ? value <= bounds.min : value < bounds.min);
    const tooHigh = bounds.max !== undefined && value > bounds.max;
    if (tooLow || tooHigh) return this.reject(name, `must be ${kind}${describeBounds(bounds)} (got ${value})`, fallback);
    return value;
  }

  private reject<T>(name: string, message: string, fallback: T): T {
    this.problems.push(`${name} ${message}`);
    return fallback;
  }
}

function describeBounds({ min, max, exclusiveMin }: Bounds): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return exclusiveMin ? ` greater than ${min}` : ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return "";
}
