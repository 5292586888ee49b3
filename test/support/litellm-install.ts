/**
 * The real LiteLLM proxy, at the version of the pinned image, in a cached
 * virtualenv that scripts/ensure-litellm.sh creates on first use.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { litellmVersionOfImage } from "../../lib/gateway/litellm-version";
import { PINNED_IMAGES } from "../../lib/images";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const ENSURE_SCRIPT = path.join(PROJECT_ROOT, "scripts", "ensure-litellm.sh");

export interface LiteLLMInstall {
  version: string;
  /** The `litellm` CLI. */
  executable: string;
  /** The venv's python: stands in for the image's `python` in healthchecks. */
  python: string;
}

/** PyPI version of the proxy the stack deploys (from PINNED_IMAGES.litellm). */
export function pinnedLiteLLMVersion(): string {
  return litellmVersionOfImage(PINNED_IMAGES.litellm);
}

/**
 * Installs (first time, minutes) or finds the proxy. The script's progress is
 * relayed to stderr; a failure names the script to run by hand.
 */
export function ensureLiteLLM(version = pinnedLiteLLMVersion()): Promise<LiteLLMInstall> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [ENSURE_SCRIPT, version], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderrTail = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      process.stderr.write(text);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const executable = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !executable) {
        reject(
          new Error(
            `Could not install the LiteLLM proxy ${version} (exit ${code}). It needs python3 with the venv module ` +
              `and PyPI; run \`bash scripts/ensure-litellm.sh ${version}\` to see why.\n${stderrTail}`,
          ),
        );
        return;
      }
      resolve({ version, executable, python: path.join(path.dirname(executable), "python") });
    });
  });
}
