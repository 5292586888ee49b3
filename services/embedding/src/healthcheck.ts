/**
 * Docker healthcheck of the embedding image:
 *   ["CMD", "node", "/app/embedding/src/healthcheck.ts"]
 * /health always answers 200 (the reference's contract), so healthy means
 * 200 with "ok": true: llama-server has the model loaded and a probe
 * embedding worked. Follows EMBEDDING_PORT.
 */
import { runProbe } from "../../common/src/probe.ts";

const port = process.env.EMBEDDING_PORT?.trim() || "8003";
void runProbe(`http://127.0.0.1:${port}/health`, { requireTrueField: "ok", timeoutMs: 4500 });
