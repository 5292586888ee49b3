/**
 * The real Prometheus tools, run on rendered files. A missing tool fails the
 * test with the install command: configs are never declared valid unchecked.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const INSTALL_HINT = "install with: apt-get install -y prometheus prometheus-alertmanager";

export function requireTool(tool: "promtool" | "amtool"): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  throw new Error(`${tool} is not installed, so the rendered monitoring configs cannot be validated; ${INSTALL_HINT}`);
}

export function toolVersion(tool: "promtool" | "amtool"): string {
  return execFileSync(requireTool(tool), ["--version"], { encoding: "utf8" }).split("\n")[0];
}

export interface ToolResult {
  ok: boolean;
  output: string;
}

/** Runs a tool and returns its verdict with everything it printed. */
export function runTool(tool: "promtool" | "amtool", args: string[], cwd?: string): ToolResult {
  const result = spawnSync(requireTool(tool), args, { encoding: "utf8", cwd });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** Writes files (container path -> content) under a fresh temp dir, keeping their layout; returns the dir. */
export function writeTree(files: { path: string; content: string }[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ai-suite-monitoring-"));
  for (const file of files) {
    const target = path.join(root, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.content);
  }
  return root;
}
