/**
 * The real programs' images (scripts/build-real-images.sh), under the registry
 * references the plan pins, and the versions the programs themselves report.
 * Built before the tests by the global setup; a lane run on its own (e2e:up,
 * bench:faults) calls ensureRealImages, which runs the same script.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { PINNED_IMAGES } from "../../lib/images";
import { docker, dockerOk } from "./docker-cli";
import { PROJECT_ROOT } from "./litellm-install";

/** Every registry reference the e2e stack runs as the real program. */
export const REAL_IMAGE_REFS: ReadonlySet<string> = new Set([PINNED_IMAGES.llamaCppCpu, PINNED_IMAGES.qdrant, PINNED_IMAGES.litellm]);

/** Runs the build script (a no-op when every image is cached); never call it from parallel test workers. */
export function ensureRealImages(): void {
  execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "build-real-images.sh")], {
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 60 * 60_000,
  });
}

/** Fails, saying how to build them, when an image is missing. */
export async function requireRealImages(): Promise<void> {
  for (const ref of REAL_IMAGE_REFS) {
    try {
      await dockerOk(["image", "inspect", "--format", "{{.Id}}", ref]);
    } catch {
      throw new Error(`the real image ${ref} is missing: build it with bash scripts/build-real-images.sh (npm test's global setup does)`);
    }
  }
}

/** "llama-server=b9851 qdrant=1.16.3 litellm=1.106.2": each program's version as the program reports it. */
export async function realVersions(): Promise<Record<string, string>> {
  // Each program prints its version where it likes (llama-server: stderr), so both streams are read.
  const run = async (ref: string, entrypoint: string, ...args: string[]) => {
    const r = await docker(["run", "--rm", "--entrypoint", entrypoint, ref, ...args], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${ref} ${entrypoint} ${args.join(" ")} failed (${r.code}): ${r.stderr || r.stdout}`);
    return `${r.stdout}\n${r.stderr}`;
  };
  const llama = await run(PINNED_IMAGES.llamaCppCpu, "/app/llama-server", "--version");
  const qdrant = await run(PINNED_IMAGES.qdrant, "/qdrant/qdrant", "--version");
  const litellm = await run(PINNED_IMAGES.litellm, "python3", "-c", "import importlib.metadata as m; print(m.version('litellm'))");
  return {
    "llama-server": `b${/version: (\d+)/.exec(llama)?.[1] ?? "?"}`,
    qdrant: /qdrant (\S+)/.exec(qdrant)?.[1] ?? "?",
    litellm: litellm.trim().split("\n")[0]!,
  };
}
