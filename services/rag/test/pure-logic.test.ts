/** The RAG service's pure functions: chunking, point ids, text detection, prompt building, model identity, gateway refusals. */
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import { chunkWords } from "../src/chunking.ts";
import { identityConflict, identityMetadata, recordedIdentity } from "../src/collection-identity.ts";
import { explainGatewayRefusal } from "../src/gateway-client.ts";
import { pointId } from "../src/point-id.ts";
import { approxTokens, buildMessages, fitContext } from "../src/prompt.ts";
import type { CollectionInfo } from "../src/qdrant-client.ts";
import { decodeText } from "../src/text-file.ts";

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

describe("chunkWords", () => {
  it("makes windows of `size` words that share `overlap` words, and stops once a window reaches the end", () => {
    expect(chunkWords(words(10), 4, 1)).toEqual(["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]);
    expect(chunkWords(words(11), 4, 1)).toEqual(["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9", "w9 w10"]);
    expect(chunkWords(words(3), 4, 1)).toEqual(["w0 w1 w2"]);
    expect(chunkWords(words(8), 4, 0)).toEqual(["w0 w1 w2 w3", "w4 w5 w6 w7"]);
  });

  it("collapses whitespace and gives no chunk for a blank document", () => {
    expect(chunkWords("  a\n\nb\tc  ", 8, 2)).toEqual(["a b c"]);
    expect(chunkWords(" \n\t ", 8, 2)).toEqual([]);
  });

  it("rejects an overlap as large as the window (it would never advance)", () => {
    expect(() => chunkWords("a b", 4, 4)).toThrow(RangeError);
    expect(() => chunkWords("a b", 0, 0)).toThrow(RangeError);
  });
});

describe("pointId", () => {
  it("is a stable UUID per collection, document and chunk", () => {
    const id = pointId("kb", "guide.md", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId("kb", "guide.md", 0)).toBe(id);
    expect(new Set([id, pointId("kb", "guide.md", 1), pointId("kb", "other.md", 0), pointId("kb2", "guide.md", 0)]).size).toBe(4);
  });
});

describe("decodeText", () => {
  it("accepts UTF-8 (dropping a byte order mark) and refuses NUL bytes and invalid UTF-8", () => {
    expect(decodeText(Buffer.from("\uFEFFhällo 한국어"))).toEqual({ ok: true, text: "hällo 한국어" });
    expect(decodeText(Buffer.from([0x61, 0x00, 0x62]))).toEqual({ ok: false, reason: expect.stringContaining("NUL byte at offset 1") });
    expect(decodeText(Buffer.from([0x61, 0xff]))).toEqual({ ok: false, reason: expect.stringContaining("not valid UTF-8") });
  });
});

describe("prompt", () => {
  it("keeps passages in rank order within the budget and cuts the one that crosses it", () => {
    const passages = [
      { text: "a".repeat(400), source: "one.md" },
      { text: "b".repeat(400), source: "two.md" },
      { text: "c".repeat(400), source: "three.md" },
    ];
    const kept = fitContext(passages, 250);
    expect(kept.map((p) => p.source)).toEqual(["one.md", "two.md", "three.md"]);
    expect(kept[2]!.text).toBe("c".repeat(200));
    expect(kept.reduce((n, p) => n + approxTokens(p.text), 0)).toBe(250);
    expect(fitContext(passages, 100).map((p) => p.source)).toEqual(["one.md"]);
  });

  it("numbers the passages with their sources and asks for the question's language unless one is set", () => {
    const [system, user] = buildMessages("What is X?", [{ text: "X is a letter.", source: "a.md" }]);
    expect(system!.role).toBe("system");
    expect(user!.content).toBe("Question:\nWhat is X?\n\nContext:\n[1] (a.md) X is a letter.\n\nAnswer in the language of the question.");
    expect(buildMessages("q", [], "Korean")[1]!.content).toContain("(no matching passages)\n\nAnswer in Korean.");
  });
});

describe("collection identity", () => {
  const info = (metadata: Record<string, unknown> | undefined, vectorSize = 384): CollectionInfo => ({
    name: "kb",
    vectorSize,
    distance: "Cosine",
    metadata,
    pointsCount: 0,
  });
  const bge = { model: "BAAI/bge-small-en-v1.5", dim: 384 };

  it("round-trips through collection metadata", () => {
    expect(recordedIdentity(info(identityMetadata(bge)))).toEqual(bge);
    expect(recordedIdentity(info({ other: 1 }))).toBeUndefined();
  });

  it("allows the same model and refuses another model, another dimension, or no record", () => {
    expect(identityConflict(info(identityMetadata(bge)), bge, "http://qdrant:6333")).toBeUndefined();
    expect(identityConflict(info(identityMetadata(bge)), { model: "other", dim: 384 }, "http://qdrant:6333")).toContain(
      "indexed with embedding model BAAI/bge-small-en-v1.5 (384 dims), but the embedding service now serves other (384 dims)",
    );
    expect(identityConflict(info(identityMetadata(bge), 768), bge, "http://qdrant:6333")).toBeDefined();
    expect(identityConflict(info(undefined), bge, "http://qdrant:6333")).toContain("curl -X DELETE http://qdrant:6333/collections/kb");
  });
});

describe("explainGatewayRefusal", () => {
  const http = (status: number, message: string) => new UpstreamError("gateway", "http", message, status);

  it("names RAG_LLM_API_KEY for a 401/403 and for LiteLLM's 400 'No connected db.' (a key that is not the master key)", () => {
    for (const error of [
      http(401, "gateway answered 401: Authentication Error"),
      http(403, "forbidden"),
      http(400, "gateway answered 400: No connected db."),
    ]) {
      const explained = explainGatewayRefusal(error, true) as UpstreamError;
      expect(explained.message).toMatch(/^the gateway refused RAG_LLM_API_KEY \(/);
      expect(explained.reason).toBe("auth");
    }
    expect((explainGatewayRefusal(http(401, "x"), false) as UpstreamError).message).toContain("RAG_LLM_API_KEY is not set");
  });

  it("leaves other failures alone when a key is set", () => {
    const error = http(500, "boom");
    expect(explainGatewayRefusal(error, true)).toBe(error);
    expect(explainGatewayRefusal(http(400, "bad model"), true)).toMatchObject({ message: "bad model" });
    const down = new UpstreamError("gateway", "connect", "refused");
    expect(explainGatewayRefusal(down, false)).toBe(down);
  });
});
