/** Entry point: `node /app/healer/src/main.ts` (Node 24 strips the types itself). */
import { ConfigError } from "../../common/src/env.ts";
import { log } from "../../common/src/log.ts";
import { exitOnConfigError, stopOnSignals } from "../../common/src/shutdown.ts";
import { startHealer } from "./app.ts";
import { loadHealerConfig, type HealerConfig } from "./config.ts";

async function main(): Promise<void> {
  let config: HealerConfig;
  try {
    config = loadHealerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError("healer", error);
    throw error;
  }
  const running = await startHealer(config);
  log("info", `healer: watching stack ${config.stack}, metrics on ${config.host}:${running.port}`, {
    maxRestarts: config.maxRestarts,
    windowSec: config.windowSec,
  });
  stopOnSignals("healer", running.close);
}

main().catch((error: unknown) => {
  log("error", "healer: failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
