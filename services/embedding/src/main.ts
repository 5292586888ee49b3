/** Entry point: `node /app/embedding/src/main.ts` (Node 24 strips the types itself). */
import { ConfigError } from "../../common/src/env.ts";
import { log } from "../../common/src/log.ts";
import { exitOnConfigError, stopOnSignals } from "../../common/src/shutdown.ts";
import { createEmbeddingService } from "./app.ts";
import { loadEmbeddingConfig, type EmbeddingConfig } from "./config.ts";

async function main(): Promise<void> {
  let config: EmbeddingConfig;
  try {
    config = loadEmbeddingConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError("embedding", error);
    throw error;
  }
  const running = await createEmbeddingService(config).listen();
  log("info", `embedding: listening on ${config.host}:${running.port}`, {
    llamaServer: config.llamaUrl,
    model: config.model,
    normalize: config.normalize,
  });
  stopOnSignals("embedding", running.close);
}

main().catch((error: unknown) => {
  log("error", "embedding: failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
