/**
 * Runs a container healthcheck command (Docker's exec form) on this machine,
 * with only the port in its URL adapted to where the service listens here.
 */
import { spawn } from "node:child_process";

/**
 * `["CMD", "python", "-c", "...127.0.0.1:8000/..."]` -> argv with
 * `127.0.0.1:<port>`. Throws unless the original address occurs exactly once,
 * so a changed probe cannot silently go untested.
 */
export function adaptProbePort(test: string[], containerPort: number, localPort: number): string[] {
  if (test[0] !== "CMD") throw new Error(`expected an exec-form healthcheck ["CMD", ...], got ${JSON.stringify(test)}`);
  const from = `127.0.0.1:${containerPort}`;
  const occurrences = test.join("\n").split(from).length - 1;
  if (occurrences !== 1) {
    throw new Error(`expected ${from} exactly once in the healthcheck ${JSON.stringify(test)}`);
  }
  return test.slice(1).map((arg) => arg.replace(from, `127.0.0.1:${localPort}`));
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs argv with `binaries` substituted for argv[0] (e.g. the image's `python` by a venv's). */
export function runCommand(argv: string[], binaries: Record<string, string>, timeoutMs = 20_000): Promise<CommandResult> {
  const [name, ...args] = argv;
  const file = binaries[name!] ?? name!;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      env: { ...process.env, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
