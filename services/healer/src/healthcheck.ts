/**
 * Docker healthcheck of the healer image:
 *   ["CMD", "node", "/app/healer/src/healthcheck.ts"]
 * Healthy when the Docker API answered within the last resync intervals. Follows HEALER_PORT.
 */
import { runProbe } from "../../common/src/probe.ts";

const port = process.env.HEALER_PORT?.trim() || "8007";
void runProbe(`http://127.0.0.1:${port}/health`, { timeoutMs: 4500 });
