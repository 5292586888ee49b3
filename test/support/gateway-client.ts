/**
 * An OpenAI-style client for the gateway that reports, per request, the
 * status, which server answered and how long it took. The server is read from
 * the completion text of a stand-in (`served-by:<name>`), or else from the
 * deployment id LiteLLM puts in the `x-litellm-model-id` response header, for
 * real upstreams whose text names nobody.
 */
import { SERVED_BY_PREFIX } from "./fake-llama-server";

/** What every client request asks; the gateway's own health checks ask something else. */
export const CLIENT_PROMPT = "ping";

export interface ChatOutcome {
  ok: boolean;
  status: number;
  /** Name of the server that answered, when the request succeeded. */
  servedBy?: string;
  /** LiteLLM deployment id of the answer (`x-litellm-model-id`), when it sent one. */
  deploymentId?: string;
  /** Error text (HTTP error body or network error) when it failed. */
  error?: string;
  stream: boolean;
  startedAt: number;
  ms: number;
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  /** Tokens to generate (a stand-in takes its per-token pace for each); 8 when omitted. */
  maxTokens?: number;
  /** Client-side give-up time; a gateway that hangs shows up as status 0. */
  timeoutMs?: number;
  /** Server behind a deployment id, for answers whose text does not name one. */
  serverOfDeployment?: (deploymentId: string) => string | undefined;
}

export async function chat(gatewayUrl: string, masterKey: string, request: ChatRequest): Promise<ChatOutcome> {
  const startedAt = Date.now();
  const started = performance.now();
  const stream = request.stream === true;
  const done = (o: Omit<ChatOutcome, "startedAt" | "ms" | "stream">): ChatOutcome => ({
    ...o,
    stream,
    startedAt,
    ms: performance.now() - started,
  });
  try {
    const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: request.model,
        messages: [{ role: "user", content: CLIENT_PROMPT }],
        max_tokens: request.maxTokens ?? 8,
        ...(stream ? { stream: true } : {}),
      }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
    const body = await res.text();
    const deploymentId = res.headers.get("x-litellm-model-id") ?? undefined;
    if (!res.ok) return done({ ok: false, status: res.status, deploymentId, error: body });
    const content = stream ? streamedContent(body) : completionContent(body);
    if (content.startsWith(SERVED_BY_PREFIX)) {
      const servedBy = content.slice(SERVED_BY_PREFIX.length).split(/\s/, 1)[0];
      return done({ ok: true, status: res.status, servedBy, deploymentId });
    }
    const server = deploymentId ? request.serverOfDeployment?.(deploymentId) : undefined;
    if (server) return done({ ok: true, status: res.status, servedBy: server, deploymentId });
    return done({ ok: false, status: res.status, deploymentId, error: `unexpected completion: ${body.slice(0, 500)}` });
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
