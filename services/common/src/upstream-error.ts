/**
 * A failed call to a service we depend on (Qdrant, embedding, gateway,
 * llama-server), classified the way callers decide on it: retry or not, and
 * which status to answer with.
 */

export type UpstreamFailure =
  /** Nothing accepted the connection (refused, unresolvable, unreachable), or it did not connect in time. */
  | "connect"
  /** Connected, but the whole exchange did not finish within its deadline. */
  | "timeout"
  /** The connection broke mid-exchange. */
  | "network"
  /** An HTTP answer with a non-2xx status. */
  | "http";

export class UpstreamError extends Error {
  readonly upstream: string;
  readonly failure: UpstreamFailure;
  /** The upstream's HTTP status, for failure "http". */
  readonly status: number | undefined;
  /** The upstream refused our credentials (whatever status it used to say so). */
  readonly authRefused: boolean;

  constructor(upstream: string, failure: UpstreamFailure, message: string, status?: number, options: { authRefused?: boolean } = {}) {
    super(message);
    this.name = "UpstreamError";
    this.upstream = upstream;
    this.failure = failure;
    this.status = status;
    this.authRefused = options.authRefused ?? (status === 401 || status === 403);
  }

  /** The label /metrics counts this failure under. */
  get reason(): string {
    if (this.failure !== "http") return this.failure;
    if (this.authRefused) return "auth";
    return this.status !== undefined && this.status >= 500 ? "http_5xx" : "http_4xx";
  }

  /** Worth trying again: the upstream may be restarting or overloaded. */
  get transient(): boolean {
    if (this.failure !== "http") return true;
    return this.status === 408 || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }
}

/** The status we answer with when an upstream fails in a way the caller did not handle. */
export function statusForUpstreamFailure(error: UpstreamError): number {
  if (error.failure === "timeout") return 504;
  if (error.failure === "connect" || error.failure === "network") return 503;
  if (error.status === 503) return 503;
  return 502;
}
