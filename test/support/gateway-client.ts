/**
 * An OpenAI-style client for the gateway that reports, per request, the
 * status, which stand-in answered (from the completion text) and how long it took.
 */
import { SERVED_BY_PREFIX } from "./fake-llama-server";

export interface ChatOutcome {
  ok: boolean;
  status: number;
  /** Name of the stand-in that answered, when the request succeeded. */
  servedBy?: string;
  /** Error text (HTTP error body or network error) when it failed. */
  error?: string;
  startedAt: number;
  ms: number;
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  /** Client-side give-up time; a gateway that hangs shows up as status 0. */
  timeoutMs?: number;
}

export async function chat(gatewayUrl: string, masterKey: string, request: ChatRequest): Promise<ChatOutcome> {
  const startedAt = Date.now();
  const started = performance.now();
  const done = (o: Omit<ChatOutcome, "startedAt" | "ms">): ChatOutcome => ({ ...o, startedAt, ms: performance.now() - started });
  try {
    const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: request.model,
        messages: [{ role: "user", content: "ping" }],
        max_tokens: 8,
        ...(request.stream ? { stream: true } : {}),
      }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
    const body = await res.text();
    if (!res.ok) return done({ ok: false, status: res.status, error: body });
    const content = request.stream ? streamedContent(body) : completionContent(body);
    if (!content.startsWith(SERVED_BY_PREFIX)) {
      return done({ ok: false, status: res.status, error: `unexpected completion: ${body.slice(0, 500)}` });
    }
    return done({ ok: true, status: res.status, servedBy: content.slice(SERVED_BY_PREFIX.length) });
  } catch (error) {
    return done({ ok: false, status: 0, error: String(error) });
  }
}

function completionContent(body: string): string {
  const parsed = JSON.parse(body) as { choices?: { message?: { content?: string } }[] };
  return parsed.choices?.[0]?.message?.content ?? "";
}

/** Concatenates the deltas of an SSE chat stream. */
function streamedContent(body: string): string {
  let text = "";
  for (const line of body.split("\n")) {
    const data = line.startsWith("data:") ? line.slice(5).trim() : "";
    if (!data || data === "[DONE]") continue;
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string | null } }[] };
    text += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return text;
}
