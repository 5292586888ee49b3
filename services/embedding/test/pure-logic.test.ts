/** The embedding service's pure parts: normalisation, batching, the token window, env parsing. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../common/src/env.ts";
import { loadEmbeddingConfig } from "../src/config.ts";
import { fitTokenWindow } from "../src/token-window.ts";
import { batches, cutChars, l2Normalize } from "../src/vectors.ts";

describe("l2Normalize", () => {
  it("scales to unit length and leaves a zero vector alone", () => {
    expect(l2Normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(l2Normalize([0, 0])).toEqual([0, 0]);
  });
});

describe("batches", () => {
  it("splits in order into groups of at most `size`", () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 3)).toEqual([]);
    expect(() => batches([1], 0)).toThrow(RangeError);
  });
});

describe("cutChars", () => {
  it("keeps short texts and never splits a surrogate pair", () => {
    expect(cutChars("abc", 5)).toBe("abc");
    expect(cutChars("abcdef", 3)).toBe("abc");
    expect(cutChars("ab\u{1F600}cd", 3)).toBe("ab");
    expect(cutChars("ab\u{1F600}cd", 4)).toBe("ab\u{1F600}");
  });
});

describe("fitTokenWindow", () => {
  const tokenizer = () => {
    const calls: string[] = [];
    return {
      calls,
      tokenize: async (text: string) => {
        calls.push(text);
        return text.split(" ").map((_, i) => i);
      },
      detokenize: async (tokens: number[]) => tokens.map((t) => `t${t}`).join(" "),
    };
  };

  it("tokenizes only texts longer (in characters) than the limit, and cuts those with too many tokens", async () => {
    const llama = tokenizer();
    const result = await fitTokenWindow(["a b", "a b c d e f", "abcdefghijk"], 3, llama);
    expect(result).toEqual({ texts: ["a b", "t0 t1 t2", "abcdefghijk"], truncated: 1 });
    expect(llama.calls).toEqual(["a b c d e f", "abcdefghijk"]);
  });
});

describe("loadEmbeddingConfig", () => {
  it("defaults to the reference's limits and the embedding server of the plan", () => {
    expect(loadEmbeddingConfig({})).toEqual({
      host: "0.0.0.0",
      port: 8003,
      llamaUrl: "http://embedding-server:8006",
      model: "BAAI/bge-small-en-v1.5",
      timeoutMs: 30_000,
      connectTimeoutMs: 5000,
      batchSize: 64,
      normalize: true,
      maxTexts: 1024,
      maxChars: 8000,
      maxTokens: 510,
    });
  });

  it("names bad variables", () => {
    let problems: string[] | undefined;
    try {
      loadEmbeddingConfig({ EMBEDDING_BATCH_SIZE: "0", EMBEDDING_NORMALIZE: "sometimes", EMBEDDING_LLAMA_URL: "embedding-server" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'EMBEDDING_LLAMA_URL must be an http(s) URL such as http://host:port (got "embedding-server")',
      "EMBEDDING_BATCH_SIZE must be an integer from 1 to 4096 (got 0)",
      'EMBEDDING_NORMALIZE must be true or false (got "sometimes")',
    ]);
  });
});
