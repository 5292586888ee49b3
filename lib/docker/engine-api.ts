/**
 * Docker Engine API versions and the container settings that depend on them.
 * The provider's client refuses a setting the daemon's API version lacks (it
 * does not ignore it), so the plan leaves such settings out for older engines.
 */

/** Engine 20.10 (Debian 12's and Ubuntu 22.04's docker.io): the oldest engine the stack deploys to. */
export const OLDEST_ENGINE_API = "1.41";
/** Engine 25: healthcheck start_interval (probes every few seconds inside the start period). */
export const START_INTERVAL_ENGINE_API = "1.44";

/** Orders "1.41" < "1.44" < "1.100". */
export function compareEngineApi(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export interface EngineFeatures {
  apiVersion: string;
  /** The healthcheck may set start_interval. */
  healthcheckStartInterval: boolean;
}

export function engineFeatures(apiVersion: string): EngineFeatures {
  return { apiVersion, healthcheckStartInterval: compareEngineApi(apiVersion, START_INTERVAL_ENGINE_API) >= 0 };
}
