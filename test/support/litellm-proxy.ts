/**
 * Runs the real LiteLLM proxy on 127.0.0.1 with a config rendered by our
 * renderer, and stops it again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderLiteLLMConfig, type LiteLLMSettings } from "../../lib/gateway/litellm-config";
import { freePort } from "./free-ports";
import type { LiteLLMInstall } from "./litellm-install";

export interface LiteLLMProxy {
  url: string;
  port: number;
  masterKey: string;
  /** The rendered YAML the proxy runs with. */
  configYaml: string;
  /** Recent proxy output, for failure messages. */
  logs(): string;
  /** How the process ended, once it has (e.g. signal "SIGSEGV"); undefined while it runs. */
  ended(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

export interface StartProxyOptions {
  install: LiteLLMInstall;
  settings: LiteLLMSettings;
  /** Container env of the gateway (from the plan); test-only keys are added on top. */
  env?: Record<string, string>;
  /** Listen port; a free one when omitted. */
  port?: number;
  /** How long start-up may take (imports are slow on a 2-core machine). */
  startTimeoutMs?: number;
}

export async function startLiteLLMProxy(options: StartProxyOptions): Promise<LiteLLMProxy> {
  const port = options.port ?? (await freePort());
  const masterKey = `sk-test-${process.pid}-${port}`;
  const configYaml = renderLiteLLMConfig(options.settings);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litellm-e2e-"));
  const configFile = path.join(dir, "config.yaml");
  fs.writeFileSync(configFile, configYaml);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    ...(options.settings.masterKeyEnv ? { [options.settings.masterKeyEnv]: masterKey } : {}),
    // The stand-in upstreams accept any key; the real proxy needs the variable its config names.
    ...(options.settings.upstreamKeyEnv ? { [options.settings.upstreamKeyEnv]: `upstream-test-${port}` } : {}),
    // Offline: use bundled data instead of fetching it from GitHub at start-up.
    LITELLM_LOCAL_MODEL_COST_MAP: "True",
    LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS: "True",
    LITELLM_LOCAL_POLICY_TEMPLATES: "true",
    // Upstreams are on 127.0.0.1; a proxy variable in CI must not divert them.
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    PYTHONUNBUFFERED: "1",
  };
  const child = spawn(options.install.executable, ["--config", configFile, "--port", String(port), "--host", "127.0.0.1"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let ending: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) => {
      ending = { code, signal };
      resolve(code);
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const proxy: LiteLLMProxy = {
    url,
    port,
    masterKey,
    configYaml,
    logs: () => output,
    ended: () => ending,
    stop: async () => {
      await stopProcess(child, exited);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilLive(url, exited, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await proxy.stop();
    throw new Error(`${(error as Error).message}\n--- proxy output ---\n${output}`, { cause: error });
  }
  return proxy;
}

async function waitUntilLive(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`LiteLLM proxy exited with code ${exitCode} during start-up`);
    try {
      const res = await fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`LiteLLM proxy did not answer /health/liveliness within ${timeoutMs} ms`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(killer);
}
