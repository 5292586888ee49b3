/**
 * Each `npm run <task>` entry point once, as a subprocess, on this machine:
 * nothing of the stack runs here, and model and data paths point at empty
 * temp dirs, so the tasks must fail naming what is missing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./support/doctor-fixtures";
import { planOf, PROJECT_DIR } from "./support/plans";
import { closedPorts } from "./support/stand-in";

function task(script: string, args: string[]) {
  const r = spawnSync("npx", ["tsx", `scripts/${script}.ts`, ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

const hasNvidiaSmi = (process.env.PATH ?? "").split(path.delimiter).some((d) => fs.existsSync(path.join(d, "nvidia-smi")));

describe("npm run doctor", () => {
  it("without models (and here without a GPU) exits 1 naming the missing GGUF files, the command that fetches them, and the GPU", () => {
    const models = tempDir("cli-models-");
    const r = task("doctor", ["--stack", "p2", "--set", `paths.modelsDir=${models}`, "--set", `paths.dataDir=${tempDir("cli-data-")}`]);
    expect(r.status, r.all).toBe(1);
    expect(r.stdout).toContain(path.join(models, "Qwen2.5-3B-Instruct-Q4_K_M.gguf"));
    expect(r.stdout).toContain(path.join(models, "qwen2.5-coder-7b-instruct-q4_k_m.gguf"));
    expect(r.stdout).toMatch(/model \(chat\)\s*│ \S+Qwen2\.5-3B-Instruct-Q4_K_M\.gguf\s*│ FAIL\s*│ missing/);
    expect(r.stdout).toContain("npm run models -- pull --stack p2");
    expect(r.stdout).toContain("GPU 0 (NVIDIA GeForce RTX 4050 Laptop GPU)");
    if (!hasNvidiaSmi) expect(r.stdout).toMatch(/GPU 0 \(NVIDIA GeForce RTX 4050 Laptop GPU\)\s*│ FAIL\s*│ not found: nvidia-smi not found/);
    expect(r.stdout).toMatch(/\d+ checks: \d+ ok, \d+ warning\(s\), \d+ failed/);
  });
});

describe("npm run health", () => {
  it("with nothing running exits 1 and names every service as down", async () => {
    const keys = ["inference.chat.hostPort", "inference.code.hostPort", "gateway.hostPort", "qdrant.httpPort", "embedding.hostPort", "rag.hostPort"];
    const ports = await closedPorts(keys.length);
    const sets = keys.flatMap((k, i) => ["--set", `${k}=${ports[i]}`]);
    const r = task("health", ["--stack", "p2", "--from", "config", ...sets]);
    expect(r.status, r.all).toBe(1);
    const plan = await planOf("p2");
    for (const s of plan.services) expect(r.stdout).toMatch(new RegExp(`│ ${s.service}\\s+│ DOWN`));
    expect(r.stdout).toContain(`0 of ${plan.services.length} services up`);
  });
});

describe("npm run graph", () => {
  it.each(["p2", "p3"])("prints a Mermaid flowchart with every service of %s", async (stack) => {
    const r = task("graph", ["--stack", stack, "--markdown"]);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout.startsWith("```mermaid\nflowchart LR\n")).toBe(true);
    for (const s of (await planOf(stack)).services) expect(r.stdout).toContain(`["${s.service}<br/>`);
  });
});

describe("npm run backup", () => {
  it("with Qdrant not running fails clearly naming Qdrant, and writes nothing", async () => {
    const [port] = await closedPorts(1);
    const dir = path.join(tempDir("cli-backup-"), "b");
    const r = task("backup", ["--stack", "p2", "--from", "config", "--set", `qdrant.httpPort=${port}`, "--dir", dir]);
    expect(r.status, r.all).toBe(1);
    expect(r.stderr).toContain(`backup failed: Qdrant at http://127.0.0.1:${port} is not reachable`);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe("usage errors exit 2", () => {
  it("without --stack, with an unknown stack, and with a config override the schema rejects", () => {
    const none = task("graph", []);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("--stack is required");
    const unknown = task("graph", ["--stack", "p9"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/No stack file .*Pulumi\.p9\.yaml: stacks are .*p2/);
    const invalid = task("doctor", ["--stack", "p2", "--set", "gateway.hostPort=70000"]);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain("local-ai-suite:gateway.hostPort = 70000");
  });
});
