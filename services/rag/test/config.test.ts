/** RAG's environment: the reference's names and defaults, seconds to milliseconds, and a clear exit on bad values. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../common/src/env.ts";
import { loadRagConfig } from "../src/config.ts";
import { node24 } from "../../../test/support/node24";

describe("loadRagConfig", () => {
  it("defaults to the reference code's values", () => {
    const config = loadRagConfig({});
    expect(config).toMatchObject({
      port: 8002,
      documentsDir: "/app/documents",
      defaultCollection: "myproj",
      qdrant: {
        url: "http://qdrant:6333",
        apiKey: undefined,
        timeoutMs: 30_000,
        connectTimeoutMs: 3000,
        retry: { maxAttempts: 3, minWaitMs: 2000, maxWaitMs: 10_000 },
      },
      embedding: { url: "http://embedding:8003", timeoutMs: 30_000 },
      gateway: {
        apiBase: "http://api-gateway:8000/v1",
        apiKey: undefined,
        chatModel: "chat-7b",
        answerTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
        connectTimeoutMs: 10_000,
        maxTokens: 256,
        temperature: 0.3,
      },
      retrieval: { topK: 4, chunkSize: 512, chunkOverlap: 100 },
    });
  });

  it("QDRANT_CONNECT_TIMEOUT bounds each Qdrant connect, never beyond QDRANT_TIMEOUT", () => {
    expect(loadRagConfig({ QDRANT_CONNECT_TIMEOUT: "0.5" }).qdrant).toMatchObject({ timeoutMs: 30_000, connectTimeoutMs: 500 });
    expect(loadRagConfig({ QDRANT_CONNECT_TIMEOUT: "10", QDRANT_TIMEOUT: "2" }).qdrant).toMatchObject({
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
    });
  });

  it("reads every variable the Pulumi plan sets", () => {
    const config = loadRagConfig({
      QDRANT_URL: "http://qdrant:6333/",
      QDRANT_API_KEY: "qk",
      EMBEDDING_URL: "http://embedding:8003",
      RAG_LLM_API_BASE: "http://api-gateway:8000/v1",
      RAG_LLM_API_KEY: "sk-master",
      API_GATEWAY_CHAT_MODEL: "chat-3b",
      LLM_REQUEST_TIMEOUT: "45",
      LLM_CONNECT_TIMEOUT: "2.5",
      RAG_LLM_TIMEOUT: "120",
      QDRANT_TIMEOUT: "7",
      EMBEDDING_TIMEOUT: "9",
      QDRANT_MAX_RETRIES: "5",
      QDRANT_RETRY_MIN_WAIT: "1",
      QDRANT_RETRY_MAX_WAIT: "4",
      RAG_TOPK: "6",
      RAG_CONTEXT_BUDGET_TOKENS: "512",
      RAG_CHUNK_SIZE: "300",
      RAG_CHUNK_OVERLAP: "50",
      RAG_LLM_MAX_TOKENS: "512",
      RAG_LLM_TEMPERATURE: "0",
    });
    expect(config.qdrant).toEqual({
      url: "http://qdrant:6333",
      apiKey: "qk",
      timeoutMs: 7000,
      connectTimeoutMs: 3000,
      retry: { maxAttempts: 5, minWaitMs: 1000, maxWaitMs: 4000 },
    });
    expect(config.gateway).toMatchObject({
      apiKey: "sk-master",
      chatModel: "chat-3b",
      requestTimeoutMs: 45_000,
      connectTimeoutMs: 2500,
      answerTimeoutMs: 120_000,
      maxTokens: 512,
      temperature: 0,
    });
    expect(config.embedding.timeoutMs).toBe(9000);
    expect(config.retrieval).toEqual({ topK: 6, contextBudgetTokens: 512, chunkSize: 300, chunkOverlap: 50 });
  });

  it("names every bad variable at once", () => {
    let error: unknown;
    try {
      loadRagConfig({
        RAG_TOPK: "0",
        QDRANT_TIMEOUT: "-1",
        RAG_LLM_TEMPERATURE: "hot",
        QDRANT_URL: "qdrant:6333",
        RAG_CHUNK_OVERLAP: "600",
        QDRANT_RETRY_MIN_WAIT: "11",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "QDRANT_RETRY_MIN_WAIT (11 s) must not exceed QDRANT_RETRY_MAX_WAIT (10 s)",
      "RAG_CHUNK_OVERLAP (600) must be smaller than RAG_CHUNK_SIZE (512)",
      'QDRANT_URL must use http or https (got "qdrant:6333")',
      "QDRANT_TIMEOUT must be a number greater than 0 (got -1)",
      'RAG_LLM_TEMPERATURE must be a number from 0 to 2 (got "hot")',
      "RAG_TOPK must be an integer from 1 to 100 (got 0)",
    ]);
  });
});

describe("the rag process", () => {
  it("exits 2 at start with a message naming the bad variable", () => {
    const result = spawnSync(node24(), [path.join(__dirname, "..", "src", "main.ts")], {
      env: { PATH: process.env.PATH, QDRANT_MAX_RETRIES: "lots" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('rag: invalid configuration:\n  - QDRANT_MAX_RETRIES must be an integer from 1 to 20 (got "lots")');
  });
});
