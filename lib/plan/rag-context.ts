/**
 * How much retrieved text RAG may put into an answer prompt. Its chat model is
 * served by the chat server, and by the code server while the gateway fails
 * over to it, so the prompt must fit the smallest slot of either: a prompt
 * over a server's context is refused (LiteLLM's 400 ContextWindowExceededError),
 * and the code server often has the smaller context. RAG still halves its
 * budget and asks again when a server refuses (its token count is an estimate).
 */
import type { InferenceRole, StackConfig } from "../config/schema";
import { defaultModelSettings } from "./llama-router";
import { ConfigError } from "../config/errors";

/** Tokens kept for the system prompt, the question and the template around the passages. */
export const RAG_PROMPT_RESERVE_TOKENS = 256;
/** Less room than this for passages makes answers from documents pointless. */
export const MIN_RAG_CONTEXT_TOKENS = 64;

export interface RagContextBudget {
  /** Tokens of retrieved text per prompt (RAG_CONTEXT_BUDGET_TOKENS). */
  tokens: number;
  /** The server whose slot is the smallest. */
  limitedBy: InferenceRole;
  slotTokens: number;
}

export function ragContextBudget(config: StackConfig): RagContextBudget {
  const roles: InferenceRole[] = config.gateway.fallback ? ["chat", "code"] : ["chat"];
  // A router answers with the model the role's public name names (its own ctxSize may differ from the server's).
  const slots = roles.map((role) => {
    const settings = defaultModelSettings(config, role);
    return { role, tokens: Math.floor(settings.ctxSize / settings.parallel) };
  });
  const smallest = slots.reduce((a, b) => (b.tokens < a.tokens ? b : a));
  const tokens = smallest.tokens - config.rag.maxTokens - RAG_PROMPT_RESERVE_TOKENS;
  if (tokens < MIN_RAG_CONTEXT_TOKENS) {
    const server = defaultModelSettings(config, smallest.role);
    throw new ConfigError(
      [
        {
          key: `inference.${smallest.role}.ctxSize`,
          value: server.ctxSize,
          allowed:
            `RAG's answers may be served by inference-${smallest.role}, whose slot holds ${smallest.tokens} tokens (ctxSize ${server.ctxSize} / parallel ${server.parallel}); ` +
            `an answer (rag.maxTokens ${config.rag.maxTokens}) and the prompt around the passages (${RAG_PROMPT_RESERVE_TOKENS}) leave ${tokens}, and at least ${MIN_RAG_CONTEXT_TOKENS} are needed for retrieved text`,
          fix: `raise inference.${smallest.role}.ctxSize, or lower rag.maxTokens (pulumi config set --path 'rag.maxTokens' 128)`,
        },
      ],
      "RAG prompt budget",
    );
  }
  return { tokens, limitedBy: smallest.role, slotTokens: smallest.tokens };
}
