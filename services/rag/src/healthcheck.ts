/**
 * Docker healthcheck of the RAG image:
 *   ["CMD", "node", "/app/rag/src/healthcheck.ts"]
 * Healthy only when GET /health answers 200, i.e. Qdrant, the embedding
 * service and the gateway (with our key) all work. Follows RAG_PORT.
 */
import { runProbe } from "../../common/src/probe.ts";

const port = process.env.RAG_PORT?.trim() || "8002";
void runProbe(`http://127.0.0.1:${port}/health`, { timeoutMs: 4500 });
