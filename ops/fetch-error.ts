/** What went wrong with a fetch, in words an operator acts on ("connection refused (not running?)"). */
export function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return "no answer within the timeout";
  const code = e.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused (not running?)";
  if (code === "ECONNRESET") return "connection reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host not found (${code})`;
  return e.cause?.message ?? e.message ?? String(error);
}
