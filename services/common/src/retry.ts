/**
 * Exponential backoff with jitter, bounded by a floor and a ceiling.
 *
 * Before retry n (1 = the first retry) the wait is drawn uniformly from
 * [minWait, min(maxWait, minWait * 2^n)]: the upper bound doubles each time,
 * every wait stays within [minWait, maxWait], and the random draw keeps
 * clients that failed together from retrying together.
 */

export interface RetryPolicy {
  /** Attempts in total, the first one included (tenacity's stop_after_attempt, as in the reference). */
  maxAttempts: number;
  minWaitMs: number;
  maxWaitMs: number;
}

/** Upper bound of the wait before retry `retry` (1-based). */
export function backoffCeilingMs(retry: number, policy: RetryPolicy): number {
  return Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** retry);
}

/** The wait before retry `retry` (1-based); `random` returns [0, 1). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const floor = Math.min(policy.minWaitMs, policy.maxWaitMs);
  return floor + random() * (backoffCeilingMs(retry, policy) - floor);
}

export interface RetryOptions {
  /** Only errors this accepts are retried; others are thrown at once. */
  isRetryable(error: unknown): boolean;
  /** Called before each wait, e.g. to count retries. */
  onRetry?(error: unknown, retry: number, waitMs: number): void;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, fails with a non-retryable error, or maxAttempts is used up (then the last error is thrown). */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !options.isRetryable(error)) throw error;
      const waitMs = backoffDelayMs(attempt, policy, options.random);
      options.onRetry?.(error, attempt, waitMs);
      await wait(waitMs);
    }
  }
}
