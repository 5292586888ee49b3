/**
 * The chat prompt for an answer: the question plus the best-matching chunks,
 * numbered, within a context budget so the prompt fits the chat model.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ContextPassage {
  text: string;
  source: string;
}

/** Prompt budget for retrieved text, in approximate tokens (the reference's 1200, for a 2k-context model). */
export const CONTEXT_BUDGET_TOKENS = 1200;
/** The reference's rough rule: about four characters per token. */
export const CHARS_PER_TOKEN = 4;

export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** Passages in rank order until the budget is used; the passage that crosses it is cut to fit. */
export function fitContext(passages: ContextPassage[], budgetTokens = CONTEXT_BUDGET_TOKENS): ContextPassage[] {
  const kept: ContextPassage[] = [];
  let used = 0;
  for (const passage of passages) {
    const remaining = budgetTokens - used;
    if (remaining <= 0) break;
    const tokens = approxTokens(passage.text);
    if (tokens <= remaining) {
      kept.push(passage);
      used += tokens;
    } else {
      kept.push({ ...passage, text: passage.text.slice(0, remaining * CHARS_PER_TOKEN) });
      break;
    }
  }
  return kept;
}

export function buildMessages(question: string, passages: ContextPassage[], answerLanguage?: string): ChatMessage[] {
  const system =
    "You answer questions about the user's documents. Use only the numbered context passages. " +
    "If they do not contain the answer, say that you don't know. Be concise and cite passages like [1].";
  const context = passages.length ? passages.map((p, i) => `[${i + 1}] (${p.source}) ${p.text}`).join("\n\n") : "(no matching passages)";
  const language = answerLanguage ? `Answer in ${answerLanguage}.` : "Answer in the language of the question.";
  return [
    { role: "system", content: system },
    { role: "user", content: `Question:\n${question}\n\nContext:\n${context}\n\n${language}` },
  ];
}
