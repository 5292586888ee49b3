/**
 * Keeps every text within the model's token window. llama-server does not
 * truncate: an input longer than the physical batch is refused with a 500
 * ("input (N tokens) is too large to process"), whereas the reference's
 * FastEmbed cut silently at 512 tokens. A text is at least as many characters
 * as it has tokens, so only texts longer than the limit are tokenized.
 */
import type { LlamaClient } from "./llama-client.ts";

export interface FitResult {
  texts: string[];
  /** How many texts were cut. */
  truncated: number;
}

/** Simultaneous /tokenize calls while fitting one request. */
const PARALLEL = 8;

export async function fitTokenWindow(
  texts: string[],
  maxTokens: number,
  llama: Pick<LlamaClient, "tokenize" | "detokenize">,
): Promise<FitResult> {
  const out = texts.slice();
  const long = texts.map((t, i) => [t, i] as const).filter(([t]) => t.length > maxTokens);
  let truncated = 0;
  for (let i = 0; i < long.length; i += PARALLEL) {
    await Promise.all(
      long.slice(i, i + PARALLEL).map(async ([text, index]) => {
        const tokens = await llama.tokenize(text);
        if (tokens.length <= maxTokens) return;
        out[index] = await llama.detokenize(tokens.slice(0, maxTokens));
        truncated++;
      }),
    );
  }
  return { texts: out, truncated };
}
