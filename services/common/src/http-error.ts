/**
 * Errors a handler throws to answer with a 4xx/5xx. Bodies follow FastAPI's
 * shape (`{"detail": ...}`), which the reference services' clients expect.
 */

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly detail: string | ValidationIssue[];
  readonly headers: Record<string, string>;
  /** Extra top-level fields next to `detail` (e.g. a partial index report). */
  readonly extra: Record<string, unknown>;

  constructor(
    status: number,
    detail: string | ValidationIssue[],
    options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(typeof detail === "string" ? detail : detail.map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; "));
    this.name = "HttpError";
    this.status = status;
    this.detail = detail;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  body(): Record<string, unknown> {
    return { detail: this.detail, ...this.extra };
  }
}

/** 422 with FastAPI's validation-error list. */
export function validationError(issues: ValidationIssue[]): HttpError {
  return new HttpError(422, issues);
}

export function invalidField(loc: (string | number)[], type: string, msg: string): HttpError {
  return validationError([{ type, loc, msg }]);
}
