/**
 * POST /query: embed the question, search the collection, and have the
 * gateway's chat model answer from the best chunks.
 */
import { HttpError, invalidField } from "../../common/src/http-error.ts";
import { log } from "../../common/src/log.ts";
import { loneSurrogateAt } from "../../common/src/unicode.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import type { Timings } from "../../common/src/timings.ts";
import { identityConflict } from "./collection-identity.ts";
import { isCollectionName, type RagConfig } from "./config.ts";
import type { EmbeddingClient } from "./embedding-client.ts";
import type { ChatAnswer, GatewayClient } from "./gateway-client.ts";
import { buildMessages, fitContext } from "./prompt.ts";
import type { QdrantClient } from "./qdrant-client.ts";

export interface QueryDeps {
  config: RagConfig;
  qdrant: QdrantClient;
  embedding: EmbeddingClient;
  gateway: GatewayClient;
}

export interface QueryInput {
  query: string;
  collection: string;
  topk: number;
}

/** The reference's response (answer, context, usage, cached, response_time_ms), plus `response` for the MCP server's rag_search. */
export interface QueryResult {
  answer: string;
  response: string;
  context: { score: number; doc_id: unknown; chunk_id: unknown; source: unknown }[];
  usage: Record<string, unknown>;
  cached: boolean;
  response_time_ms: number;
  collection: string;
}

export const MAX_QUERY_CHARS = 8000;
/** Times a prompt refused as too long is sent again, each with half the passages' budget. */
export const MAX_CONTEXT_RETRIES = 3;

/** The gateway's (or a llama-server's) refusal of a prompt longer than the serving model's context. */
export function contextTooLong(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.status === 400 &&
    /ContextWindowExceeded|exceeds the available context size|maximum context length/i.test(error.message)
  );
}
export const MAX_TOPK = 100;

/** Validates a /query body the way the reference's pydantic model did, plus the checks it lacked. */
export function parseQueryBody(body: unknown, config: RagConfig): QueryInput {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidField(["body"], "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
  }
  const fields = body as Record<string, unknown>;
  if (!("query" in fields)) throw invalidField(["body", "query"], "missing", "Field required");
  if (typeof fields.query !== "string") throw invalidField(["body", "query"], "string_type", "Input should be a valid string");
  const query = fields.query.trim();
  const broken = loneSurrogateAt(query);
  if (broken >= 0)
    throw invalidField(["body", "query"], "string_unicode", `Input holds a lone surrogate at offset ${broken}: not Unicode text`);
  if (!query) throw new HttpError(400, "query must not be empty");
  if (query.length > MAX_QUERY_CHARS)
    throw new HttpError(413, `query is ${query.length} characters, over the ${MAX_QUERY_CHARS}-character limit`);

  let collection = config.defaultCollection;
  if (fields.collection !== undefined && fields.collection !== null) {
    if (typeof fields.collection !== "string") throw invalidField(["body", "collection"], "string_type", "Input should be a valid string");
    if (fields.collection) collection = fields.collection;
  }
  if (!isCollectionName(collection))
    throw new HttpError(400, `collection must be 1-255 letters, digits, "_", "-" or "." (got ${JSON.stringify(collection)})`);

  let topk = config.retrieval.topK;
  if (fields.topk !== undefined && fields.topk !== null) {
    if (typeof fields.topk !== "number" || !Number.isInteger(fields.topk))
      throw invalidField(["body", "topk"], "int_type", "Input should be a valid integer");
    if (fields.topk < 0 || fields.topk > MAX_TOPK)
      throw invalidField(["body", "topk"], "int_range", `Input should be from 0 to ${MAX_TOPK} (0 = RAG_TOPK)`);
    // The reference used `topk or RAG_TOPK`, so 0 means the default.
    if (fields.topk > 0) topk = fields.topk;
  }
  return { query, collection, topk };
}

export async function answerQuery(deps: QueryDeps, input: QueryInput, timings: Timings): Promise<QueryResult> {
  const { config } = deps;
  const info = await timings.measure("qdrant", () => deps.qdrant.getCollection(input.collection));
  if (!info) {
    throw new HttpError(
      404,
      `collection "${input.collection}" does not exist; index documents into it first with POST /index?collection=${input.collection}`,
    );
  }
  const embedded = await timings.measure("embed", () => deps.embedding.embed([input.query]));
  const conflict = identityConflict(info, embedded, config.qdrant.url);
  if (conflict) throw new HttpError(409, conflict);

  const hits = await timings.measure("qdrant", () => deps.qdrant.query(input.collection, embedded.vectors[0]!, input.topk));
  const ranked = hits.map((h) => ({
    text: typeof h.payload.text === "string" ? h.payload.text : "",
    source: String(h.payload.source ?? h.payload.doc_id ?? h.id),
  }));
  // The budget is in estimated tokens (four characters each); dense text (digits, code, CJK) holds more.
  // A server that refuses the prompt as too long gets it again with half the passages' budget.
  let budget = config.retrieval.contextBudgetTokens;
  let answer: ChatAnswer | undefined;
  for (let attempt = 0; !answer; attempt++) {
    const messages = buildMessages(input.query, fitContext(ranked, budget), config.gateway.answerLanguage);
    try {
      answer = await timings.measure("llm", () => deps.gateway.chat(messages, config.gateway.answerTimeoutMs));
    } catch (error) {
      if (!contextTooLong(error) || attempt >= MAX_CONTEXT_RETRIES) throw error;
      log("warn", "the answering server refused the prompt as too long; asking again with half the context", {
        budgetTokens: budget,
        error: (error as Error).message.slice(0, 300),
      });
      budget = Math.floor(budget / 2);
    }
  }

  return {
    answer: answer.content,
    response: answer.content,
    context: hits.map((h) => ({
      score: h.score,
      doc_id: h.payload.doc_id ?? null,
      chunk_id: h.payload.chunk_id ?? null,
      source: h.payload.source ?? null,
    })),
    usage: answer.usage,
    cached: false,
    response_time_ms: Math.round(timings.elapsedMs()),
    collection: input.collection,
  };
}
