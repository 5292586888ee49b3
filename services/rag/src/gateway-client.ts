/**
 * The OpenAI-compatible gateway (LiteLLM): chat completions for answers and
 * the model list for health, always with the master key as a Bearer token.
 */
import { httpCall, httpJson, errorText } from "../../common/src/http-client.ts";
import type { Counter } from "../../common/src/metrics.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import type { ChatMessage } from "./prompt.ts";

export interface ChatAnswer {
  content: string;
  usage: Record<string, unknown>;
}

export interface GatewayOptions {
  apiBase: string;
  apiKey: string | undefined;
  chatModel: string;
  connectTimeoutMs: number;
  maxTokens: number;
  temperature: number;
  errors: Counter;
}

const UPSTREAM = "gateway";

export class GatewayClient {
  private readonly options: GatewayOptions;

  constructor(options: GatewayOptions) {
    this.options = options;
  }

  /** A non-streaming completion from the chat model; `timeoutMs` bounds the whole answer. */
  async chat(messages: ChatMessage[], timeoutMs: number, maxTokens = this.options.maxTokens): Promise<ChatAnswer> {
    const body = await this.counted(
      httpJson<{ choices?: { message?: { content?: unknown } }[]; usage?: Record<string, unknown> }>({
        upstream: UPSTREAM,
        method: "POST",
        url: `${this.options.apiBase}/chat/completions`,
        headers: this.authHeaders(),
        body: { model: this.options.chatModel, messages, temperature: this.options.temperature, max_tokens: maxTokens, stream: false },
        timeoutMs,
        connectTimeoutMs: this.options.connectTimeoutMs,
      }).catch((error: unknown) => {
        throw explainAuth(error);
      }),
    );
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== "string") throw new UpstreamError(UPSTREAM, "http", "gateway answered without choices[0].message.content", 502);
    return { content, usage: body.usage ?? {} };
  }

  /** GET {apiBase}/models with the key: 200 means the gateway is up and accepts the key. */
  async checkKey(timeoutMs: number): Promise<void> {
    const answer = await this.counted(
      httpCall({ upstream: UPSTREAM, method: "GET", url: `${this.options.apiBase}/models`, headers: this.authHeaders(), timeoutMs, connectTimeoutMs: this.options.connectTimeoutMs }),
    );
    if (answer.status === 200) return;
    const error = explainAuth(new UpstreamError(UPSTREAM, "http", `gateway answered ${answer.status} to GET /models: ${errorText(answer.text)}`, answer.status));
    this.options.errors.inc({ upstream: UPSTREAM, reason: (error as UpstreamError).reason });
    throw error;
  }

  private authHeaders(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  private counted<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      if (error instanceof UpstreamError) this.options.errors.inc({ upstream: UPSTREAM, reason: error.reason });
      throw error;
    });
  }
}

/** A 401/403 from the gateway names the variable to fix. */
function explainAuth(error: unknown): unknown {
  if (error instanceof UpstreamError && (error.status === 401 || error.status === 403)) {
    return new UpstreamError(UPSTREAM, "http", `the gateway refused RAG_LLM_API_KEY (${error.status}); set it to the gateway's master key: ${error.message}`, error.status);
  }
  return error;
}
