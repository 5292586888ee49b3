/**
 * A throwaway `distribution` registry (scripts/registry.sh: v3.1.2, built from
 * the Go module proxy) on a free loopback port, storing into a temporary
 * directory. Docker pushes to and pulls from 127.0.0.1 over plain http
 * without any daemon setting.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./free-ports";
import { PROJECT_ROOT } from "./litellm-install";

export interface LocalRegistry {
  /** host:port, as image references name it. */
  host: string;
  stop(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${dir}/data`,
      "http:",
      `  addr: ${host}`,
      "",
    ].join("\n"),
  );
  const child = spawn("bash", [path.join(PROJECT_ROOT, "scripts", "registry.sh"), "serve", config], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 600_000; // the first run builds it
  for (;;) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { host, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the distribution registry did not come up on ${host}: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
