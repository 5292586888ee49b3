/**
 * How often one container may be restarted: a server that turns unhealthy
 * again right after each restart (a model that no longer fits, a bad flag) is
 * not restarted forever; after `max` restarts in `windowMs` it is left alone
 * (and the alert stays) until the window has passed.
 */
export class RestartBudget {
  private readonly restarts = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** True, and the restart is counted, when `key` may be restarted at `now`. */
  take(key: string, now: number): boolean {
    const recent = (this.restarts.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.restarts.set(key, recent);
      return false;
    }
    recent.push(now);
    this.restarts.set(key, recent);
    return true;
  }
}
