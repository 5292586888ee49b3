/**
 * The RAG service under test on 127.0.0.1 with its real dependencies' stand-ins:
 * fake Qdrant, our embedding service in front of a stand-in embedding
 * llama-server, and a stand-in chat server as the gateway (tests that need
 * the real LiteLLM proxy point RAG_LLM_API_BASE at it instead).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningServer } from "../../common/src/http-app.ts";
import { createEmbeddingService } from "../../embedding/src/app.ts";
import { loadEmbeddingConfig } from "../../embedding/src/config.ts";
import { createRagService, type RagOverrides, type RagService } from "../src/app.ts";
import { loadRagConfig } from "../src/config.ts";
import { FakeEmbeddingLlamaServer } from "../../../test/support/fake-embedding-llama-server";
import { FakeLlamaServer } from "../../../test/support/fake-llama-server";
import { FakeQdrant } from "../../../test/support/fake-qdrant";

// The services log one JSON line per event; keep test output readable.
process.env.LOG_LEVEL ??= "error";

export const EMBEDDING_MODEL = "BAAI/bge-small-en-v1.5";

export interface RigOptions {
  /** RAG env on top of the rig's (URLs, short retry waits). */
  env?: Record<string, string>;
  qdrantApiKey?: string;
  embeddingDim?: number;
  embeddingModel?: string;
  overrides?: RagOverrides;
  /** The chat stand-in's context per slot (it refuses longer prompts with llama-server's 400). */
  chatContextTokens?: number;
}

export interface RagRig {
  rag: RunningServer;
  service: RagService;
  qdrant: FakeQdrant;
  llamaEmbed: FakeEmbeddingLlamaServer;
  embedding: RunningServer;
  chat: FakeLlamaServer;
  documentsDir: string;
  env: Record<string, string>;
  /** Writes a document under the documents directory. */
  write(relPath: string, content: string | Buffer): void;
  /** Empties the documents directory. */
  clearDocuments(): void;
  post(pathAndQuery: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  get(pathAndQuery: string): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  /** Restarts RAG with other env (same stand-ins), e.g. another gateway or key. */
  restartRag(env: Record<string, string>): Promise<void>;
  /** Restarts the embedding service reporting another model name. */
  restartEmbedding(model: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startRagRig(options: RigOptions = {}): Promise<RagRig> {
  const qdrant = new FakeQdrant({ apiKey: options.qdrantApiKey });
  const llamaEmbed = new FakeEmbeddingLlamaServer({ dim: options.embeddingDim ?? 384 });
  const chat = new FakeLlamaServer("chat-stand-in", { contextTokens: options.chatContextTokens });
  await Promise.all([qdrant.start(), llamaEmbed.start(), chat.start()]);

  const startEmbedding = (model: string) =>
    createEmbeddingService(
      loadEmbeddingConfig({ EMBEDDING_LLAMA_URL: llamaEmbed.url, EMBEDDING_MODEL: model, EMBEDDING_TIMEOUT: "5" }),
    ).listen(0, "127.0.0.1");
  let embedding = await startEmbedding(options.embeddingModel ?? EMBEDDING_MODEL);

  const documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-docs-"));
  const baseEnv = (): Record<string, string> => ({
    QDRANT_URL: qdrant.url,
    ...(options.qdrantApiKey ? { QDRANT_API_KEY: options.qdrantApiKey } : {}),
    EMBEDDING_URL: embedding.url,
    RAG_LLM_API_BASE: chat.apiBase,
    RAG_LLM_API_KEY: "sk-rig",
    DOCUMENTS_DIR: documentsDir,
    QDRANT_RETRY_MIN_WAIT: "0.01",
    QDRANT_RETRY_MAX_WAIT: "0.05",
    QDRANT_TIMEOUT: "2",
    EMBEDDING_TIMEOUT: "5",
    RAG_LLM_TIMEOUT: "5",
    RAG_CHUNK_SIZE: "40",
    RAG_CHUNK_OVERLAP: "8",
  });
  let env = { ...baseEnv(), ...options.env };
  let service = createRagService(loadRagConfig(env), options.overrides);
  let rag = await service.listen(0, "127.0.0.1");

  const rig: RagRig = {
    get rag() {
      return rag;
    },
    get service() {
      return service;
    },
    get embedding() {
      return embedding;
    },
    get env() {
      return env;
    },
    qdrant,
    llamaEmbed,
    chat,
    documentsDir,
    write(relPath, content) {
      const file = path.join(documentsDir, relPath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
    clearDocuments() {
      for (const entry of fs.readdirSync(documentsDir)) fs.rmSync(path.join(documentsDir, entry), { recursive: true, force: true });
    },
    async post(pathAndQuery, body) {
      const res = await fetch(`${rag.url}${pathAndQuery}`, {
        method: "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async get(pathAndQuery) {
      const res = await fetch(`${rag.url}${pathAndQuery}`);
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text, headers: res.headers };
    },
    async restartRag(extra) {
      await rag.close();
      env = { ...baseEnv(), ...options.env, ...extra };
      service = createRagService(loadRagConfig(env), options.overrides);
      rag = await service.listen(0, "127.0.0.1");
    },
    async restartEmbedding(model) {
      await embedding.close();
      embedding = await startEmbedding(model);
      await rig.restartRag({});
    },
    async stop() {
      await Promise.all([rag.close(), embedding.close(), qdrant.stop(), llamaEmbed.kill(), chat.kill()]);
      fs.rmSync(documentsDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** A paragraph of `words` words about `topic`, distinct enough for the stand-in's word-hash vectors. */
export function paragraph(topic: string, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(i % 5 === 0 ? topic : `${topic}${i % 7}`);
  return out.join(" ");
}
