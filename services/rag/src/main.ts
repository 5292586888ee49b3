/** Entry point: `node /app/rag/src/main.ts` (Node 24 strips the types itself). */
import { ConfigError } from "../../common/src/env.ts";
import { log } from "../../common/src/log.ts";
import { exitOnConfigError, stopOnSignals } from "../../common/src/shutdown.ts";
import { createRagService } from "./app.ts";
import { loadRagConfig, type RagConfig } from "./config.ts";

async function main(): Promise<void> {
  let config: RagConfig;
  try {
    config = loadRagConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError("rag", error);
    throw error;
  }
  if (!config.gateway.apiKey) log("warn", "rag: RAG_LLM_API_KEY is not set; a gateway with a master key will refuse every answer");
  const running = await createRagService(config).listen();
  log("info", `rag: listening on ${config.host}:${running.port}`, {
    qdrant: config.qdrant.url,
    embedding: config.embedding.url,
    gateway: config.gateway.apiBase,
    chatModel: config.gateway.chatModel,
    documents: config.documentsDir,
  });
  stopOnSignals("rag", running.close);
}

main().catch((error: unknown) => {
  log("error", "rag: failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
