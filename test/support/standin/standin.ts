/**
 * The program behind every stand-in image of the deploy tests (no registry is
 * reachable here, so no real image can be pulled). One program, bundled into
 * each image, plays the service its image names (STANDIN_ROLE) on the ports
 * and health endpoints the real one serves (derived from the plan, see
 * images.ts), and calls the services it depends on through the in-network URLs
 * and credentials the plan gives it:
 *   llama    llama-server: /health, /v1/models, chat completions ("served-by:<alias>"),
 *            with --embeddings the embedding endpoints; port and alias from argv
 *   litellm  the gateway: reads the uploaded LiteLLM config, requires its master key,
 *            forwards chat to each model's order-1 server, then order 2
 *   qdrant   Qdrant's REST API (FakeQdrant), kept in /qdrant/storage across restarts
 *   http     any other service: its health paths answer 200
 * Behaviour a test can switch from outside, through a file in a directory the
 * container mounts (llama: /models/.standin/<alias>; others: STANDIN_CONTROL_FILE):
 * "never-healthy" (health paths answer 503 forever), "slow:<ms>" (a late start).
 * On SIGTERM it stops taking connections, "flushes" for STANDIN_STOP_MS, records
 * the stop in STANDIN_STATE_DIR and exits 0, as a real server that shuts down cleanly.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { parse as parseYaml } from "yaml";
import { FakeEmbeddingLlamaServer } from "../fake-embedding-llama-server";
import { FakeLlamaServer } from "../fake-llama-server";
import { FakeQdrant } from "../fake-qdrant";

const env = process.env;
const role = env.STANDIN_ROLE ?? "http";
const argv = process.argv.slice(2);
const started = Date.now();
const servers: { close(): Promise<void> | void }[] = [];

function log(message: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), role, message, ...extra })}\n`);
}

function flag(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * "healthy" (default), "never-healthy", "never-healthy-with:<flag>=<value>" (only when
 * argv has that flag with that value, like a server that cannot start with one
 * setting) or "slow:<ms>", read from the control file when there is one.
 */
function behaviour(controlFile: string | undefined): { neverHealthy: boolean; startDelayMs: number } {
  const text = controlFile && fs.existsSync(controlFile) ? fs.readFileSync(controlFile, "utf8").trim() : (env.STANDIN_BEHAVIOUR ?? "");
  const slow = /^slow:(\d+)$/.exec(text);
  const conditional = /^never-healthy-with:(\S+?)=(\S+)$/.exec(text);
  const neverHealthy = text === "never-healthy" || (conditional !== null && flag(conditional[1]!) === conditional[2]);
  return { neverHealthy, startDelayMs: slow ? Number(slow[1]) : 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small HTTP server answering `routes` (path -> handler); 404 elsewhere. */
function httpServer(
  port: number,
  handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void | Promise<void>,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      Promise.resolve(handle(req, body, res)).catch((error: Error) => json(res, 500, { error: error.message }));
    });
  });
  servers.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve(server));
  });
}

function json(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(payload));
}

/** Ports and health paths from STANDIN_LISTEN: "8020=/health,/metrics;8021=/security/health". */
function listenSpec(): { port: number; paths: string[] }[] {
  return (env.STANDIN_LISTEN ?? "")
    .split(";")
    .filter(Boolean)
    .map((entry) => {
      const [port, paths = ""] = entry.split("=");
      return { port: Number(port), paths: paths.split(",").filter(Boolean) };
    });
}

/** Calls each dependency the plan names in env (…_URL, …_API_BASE), with the key the plan gives, and logs the answer. */
async function callDependencies(): Promise<void> {
  const key = env.API_GATEWAY_API_KEY ?? env.RAG_LLM_API_KEY;
  for (const [name, value] of Object.entries(env)) {
    if (!/(_URL|_API_BASE)$/.test(name) || !value || !/^https?:\/\//.test(value)) continue;
    const url = value.replace(/\/+$/, "");
    // The gateway answers /v1/models to a caller with its key; the others have /health.
    const probe = /api-gateway/.test(url) ? `${url.replace(/\/v1$/, "")}/v1/models` : `${url}/health`;
    try {
      const res = await fetch(probe, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(4000) });
      log("called a dependency", { env: name, url: probe, status: res.status, withKey: Boolean(key) });
    } catch (error) {
      log("dependency unreachable", { env: name, url, error: (error as Error).message });
    }
  }
}

async function runLlama(): Promise<void> {
  const port = Number(flag("--port") ?? "8080");
  const alias = flag("--alias") ?? "llama";
  const { neverHealthy, startDelayMs } = behaviour(`/models/.standin/${alias}`);
  if (neverHealthy) {
    // Loads forever: every route answers llama-server's 503 "Loading model".
    await httpServer(port, (_req, _body, res) =>
      json(res, 503, { error: { code: 503, message: "Loading model", type: "unavailable_error" } }),
    );
    log("never healthy (control file)", { port, alias });
    return;
  }
  await sleep(startDelayMs);
  if (argv.includes("--embeddings")) {
    const server = new FakeEmbeddingLlamaServer({ host: "0.0.0.0", port, ubatch: Number(flag("--ubatch-size") ?? "512") });
    await server.start();
    servers.push({ close: () => server.kill() });
  } else {
    const server = new FakeLlamaServer(alias, { host: "0.0.0.0", port, defaultMaxTokens: 4 });
    await server.start();
    servers.push({ close: () => server.kill() });
  }
  log("serving", { port, alias, embeddings: argv.includes("--embeddings") });
}

interface Deployment {
  model_name: string;
  litellm_params: { model: string; api_base: string; order?: number };
}

async function runLiteLLM(): Promise<void> {
  const port = Number(flag("--port") ?? "4000");
  const config = parseYaml(fs.readFileSync(flag("--config") ?? "/app/config.yaml", "utf8")) as {
    model_list: Deployment[];
    general_settings?: { master_key?: string };
  };
  const keyRef = config.general_settings?.master_key;
  const masterKey = keyRef?.startsWith("os.environ/") ? env[keyRef.slice("os.environ/".length)] : keyRef;
  if (keyRef && !masterKey) throw new Error(`master_key ${keyRef} names an env var that is not set`);
  const authorized = (req: http.IncomingMessage) => !masterKey || req.headers.authorization === `Bearer ${masterKey}`;
  const routes = (model: string) =>
    config.model_list.filter((d) => d.model_name === model).sort((a, b) => (a.litellm_params.order ?? 1) - (b.litellm_params.order ?? 1));
  await httpServer(port, async (req, body, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/health/liveliness") || url.startsWith("/health/readiness")) return json(res, 200, "I'm alive!");
    if (!authorized(req))
      return json(res, 401, {
        error: { message: "Authentication Error, Invalid proxy server token passed.", type: "auth_error", code: "401" },
      });
    if (req.method === "GET" && (url === "/v1/models" || url === "/models")) {
      return json(res, 200, {
        object: "list",
        data: [...new Set(config.model_list.map((d) => d.model_name))].map((id) => ({ id, object: "model" })),
      });
    }
    if (req.method === "POST" && /^\/(v1\/)?chat\/completions/.test(url)) {
      const request = JSON.parse(body) as { model: string };
      for (const deployment of routes(request.model)) {
        const upstream = `${deployment.litellm_params.api_base.replace(/\/+$/, "")}/chat/completions`;
        try {
          const answer = await fetch(upstream, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ...request, model: deployment.litellm_params.model.replace(/^openai\//, "") }),
            signal: AbortSignal.timeout(30_000),
          });
          if (answer.status >= 500) continue;
          res.writeHead(answer.status, {
            "content-type": answer.headers.get("content-type") ?? "application/json",
            "x-litellm-model-id": `${deployment.model_name}-${new URL(upstream).hostname}`,
          });
          res.end(await answer.text());
          return;
        } catch (error) {
          log("upstream failed, trying the next deployment", { upstream, error: (error as Error).message });
        }
      }
      return json(res, 500, { error: { message: `litellm.InternalServerError: no deployment of ${request.model} answered` } });
    }
    json(res, 404, { detail: "Not Found" });
  });
  log("serving", { port, models: [...new Set(config.model_list.map((d) => d.model_name))], requiresKey: Boolean(masterKey) });
}

async function runQdrant(): Promise<void> {
  const { neverHealthy, startDelayMs } = behaviour(env.STANDIN_CONTROL_FILE);
  await sleep(startDelayMs);
  if (neverHealthy) {
    await httpServer(6333, (_req, _body, res) => json(res, 503, { status: { error: "not ready" } }));
    return;
  }
  const storage = "/qdrant/storage";
  const qdrant = new FakeQdrant({
    host: "0.0.0.0",
    port: 6333,
    apiKey: env.QDRANT__SERVICE__API_KEY,
    dataFile: fs.existsSync(storage) ? `${storage}/standin-collections.json` : undefined,
  });
  await qdrant.start();
  servers.push({ close: () => qdrant.stop() });
  // The gRPC port accepts connections (nothing here speaks gRPC).
  const grpc = net.createServer((socket) => socket.end()).listen(6334, "0.0.0.0");
  servers.push({ close: () => new Promise<void>((r) => grpc.close(() => r())) });
  log("serving", { collections: qdrant.collections.size, apiKey: Boolean(env.QDRANT__SERVICE__API_KEY) });
}

async function runHttp(): Promise<void> {
  const { neverHealthy, startDelayMs } = behaviour(env.STANDIN_CONTROL_FILE);
  await sleep(startDelayMs);
  for (const { port, paths } of listenSpec()) {
    await httpServer(port, (req, _body, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      if (path === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        return void res.end(`# TYPE standin_up gauge\nstandin_up{role="${role}"} 1\n`);
      }
      if (!paths.includes(path)) return json(res, 404, { detail: "Not Found" });
      if (neverHealthy) return json(res, 503, { status: "unhealthy", reason: "stand-in told to never become healthy" });
      json(res, 200, { status: "ok", uptime_s: Math.round((Date.now() - started) / 1000) });
    });
  }
  log("serving", { listen: listenSpec() });
  void callDependencies();
}

/** Stops like a server that flushes before it exits: the state dir records how it went. */
function onTerm(signal: NodeJS.Signals): void {
  const flushMs = Number(env.STANDIN_STOP_MS ?? "1500");
  log("stopping", { signal, flushMs });
  Promise.all(servers.map((s) => s.close()))
    .then(() => sleep(flushMs))
    .then(() => {
      const dir = env.STANDIN_STATE_DIR;
      if (dir && fs.existsSync(dir)) {
        fs.writeFileSync(`${dir}/standin-stop-${role}.json`, JSON.stringify({ signal, stoppedAt: new Date().toISOString(), clean: true }));
      }
      log("stopped cleanly");
      process.exit(0);
    });
}

process.on("SIGTERM", onTerm);
process.on("SIGINT", onTerm);

/**
 * Loki's own health command (`loki -health -health.url=<url>`, grafana/loki cmd/loki/health.go):
 * GET the URL, exit 0 on a 200, else 1. Its distroless image has nothing else to probe with.
 */
async function healthCommand(): Promise<never> {
  const urlArg = argv.find((a) => /^-+health\.url=/.test(a));
  const url = urlArg ? urlArg.slice(urlArg.indexOf("=") + 1) : "http://localhost:3100/ready";
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (response.status === 200) process.exit(0);
    process.stderr.write(`Loki is unhealthy: status code ${response.status}\n`);
  } catch (error) {
    process.stderr.write(`Health check failed: ${(error as Error).message}\n`);
  }
  process.exit(1);
}

const roles: Record<string, () => Promise<void>> = { llama: runLlama, litellm: runLiteLLM, qdrant: runQdrant, http: runHttp };
const run = argv.some((a) => /^-+health$/.test(a)) ? healthCommand : roles[role];
if (!run) {
  log(`unknown STANDIN_ROLE ${role}`);
  process.exit(2);
}
run().catch((error: Error) => {
  log("failed to start", { error: error.message });
  process.exit(1);
});
