import { describe, expect, it } from "vitest";
import { loneSurrogateAt } from "../src/unicode.ts";
import { parseQueryBody } from "../../rag/src/query.ts";
import { loadRagConfig } from "../../rag/src/config.ts";
import { parseEmbedBody } from "../../embedding/src/embedder.ts";

describe("lone surrogates from JSON", () => {
  it("finds a lone high or low surrogate, and passes pairs (emoji, CJK extensions)", () => {
    expect(loneSurrogateAt("ok \u{1F600} \u{20000}")).toBe(-1);
    expect(loneSurrogateAt(JSON.parse('"ab\\ud800c"'))).toBe(2);
    expect(loneSurrogateAt(JSON.parse('"\\udc00"'))).toBe(0);
    expect(loneSurrogateAt(JSON.parse('"x\\ud83d"'))).toBe(1);
  });

  it("is a 422 naming the field in RAG's /query and the embedding service's /embed, not a 500 from llama-server", () => {
    const query = JSON.parse('{"query": "why\\ud800?"}');
    expect(() => parseQueryBody(query, loadRagConfig({}))).toThrow(/lone surrogate at offset 3/);
    const embed = JSON.parse('{"texts": ["fine", "bad\\udfff"]}');
    try {
      parseEmbedBody(embed, 10);
      expect.unreachable();
    } catch (error) {
      expect((error as { status: number }).status).toBe(422);
      expect(JSON.stringify((error as { body(): unknown }).body())).toContain('"loc":["body","texts",1]');
    }
  });
});
