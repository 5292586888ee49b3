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
        throw explainGatewayRefusal(error, Boolean(this.options.apiKey));
      }),
    );
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== "string") throw new UpstreamError(UPSTREAM, "http", "gateway answered without choices[0].message.content", 502);
    return { content, usage: body.usage ?? {} };
  }

  /** GET {apiBase}/models with the key: 200 means the gateway is up and accepts the key. */
  async checkKey(timeoutMs: number): Promise<void> {
    const answer = await this.counted(
      httpCall({
        upstream: UPSTREAM,
        method: "GET",
        url: `${this.options.apiBase}/models`,
        headers: this.authHeaders(),
        timeoutMs,
        connectTimeoutMs: this.options.connectTimeoutMs,
      }),
    );
    if (answer.status === 200) return;
    const error = explainGatewayRefusal(
      new UpstreamError(UPSTREAM, "http", `gateway answered ${answer.status} to GET /models: ${errorText(answer.text)}`, answer.status),
      Boolean(this.options.apiKey),
    );
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

/**
 * Turns the gateway's ways of refusing our key into one message naming the
 * variable to fix. LiteLLM answers 401 to a bad key, but without a database
 * (as this stack runs it) a key that is not the master key gets 400 "No
 * connected db." (it tried to look the key up), so that counts as refused too.
 */
export function explainGatewayRefusal(error: unknown, keySet: boolean): unknown {
  if (!(error instanceof UpstreamError) || error.failure !== "http") return error;
  const noDatabase = error.status === 400 && /no connected db/i.test(error.message);
  if (error.status === 401 || error.status === 403 || noDatabase) {
    const how = noDatabase ? "400 No connected db.: it is not the master key" : String(error.status);
    const what = keySet
      ? "the gateway refused RAG_LLM_API_KEY"
      : "the gateway refused a request without a key (RAG_LLM_API_KEY is not set)";
    return new UpstreamError(UPSTREAM, "http", `${what} (${how}); set it to the gateway's master key. ${error.message}`, error.status, {
      authRefused: true,
    });
  }
  if (!keySet) return new UpstreamError(UPSTREAM, "http", `RAG_LLM_API_KEY is not set, and ${error.message}`, error.status);
  return error;
}
