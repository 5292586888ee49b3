/**
 * The stack the deploy tests put on this machine's Docker Engine: the full p3
 * service set (Pulumi.p3.yaml) in CPU mode. The real programs run where they
 * can (test/support/real-images.ts): llama-server b9851 for chat, code and
 * embeddings, serving small real GGUFs (test/support/real-models), Qdrant
 * v1.16.3 and the LiteLLM proxy, under the references the plan pins. Every
 * other registry image is a locally built stand-in with a registry-style
 * pinned name (e2e.local/...). This repository's RAG, embedding service and
 * healer are built from their Dockerfiles on a local Node base. A unique
 * container prefix, free host ports and temporary data directories keep it
 * off any real stack on the same host. The program runs as a copy whose model
 * lock is the test models' (programWithLock).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig } from "../../lib/config/load";
import type { StackConfig } from "../../lib/config/schema";
import type { ModelLock } from "../../lib/models/lock";
import { planStack, type StackPlan } from "../../lib/plan/stack-plan";
import { freePorts } from "../support/free-ports";
import { dockerApiProxyBuildArgs } from "../support/docker-api-proxy-image";
import { ensureNodeBaseImage } from "../support/node-base-image";
import { REPO_DIR } from "../support/pulumi-cli";
import { REAL_IMAGE_REFS } from "../support/real-images";
import { TINY_MODELS } from "../support/real-models/tiny-gguf";
import { ensureTinyModels, programWithLock, tinyModelLock } from "../support/real-models/test-lock";

export interface E2eStack {
  stack: string;
  prefix: string;
  dataDir: string;
  modelsDir: string;
  workspaceDir: string;
  scriptsDir: string;
  /** Stack file `config:` with full keys (local-ai-suite:...). */
  config: Record<string, unknown>;
  /** That config, parsed. */
  stackConfig: StackConfig;
  /** The plan of that config, as the program will make it on this engine. */
  plan: StackPlan;
  /** Host ports by config key. */
  ports: Record<string, number>;
  /** The program copy to run (its models.lock.json is `lock`), and its policy pack. */
  programDir: string;
  packDir: string;
  lock: ModelLock;
}

const LOCAL = "e2e.local";
/** A stand-in tag of the same pinned version as `ref`'s, under `namespace` (default e2e.local). */
export const standInRef = (ref: string, namespace = LOCAL) => `${namespace}/${ref.replace(/^(ghcr\.io|nvcr\.io|docker\.io)\//, "")}`;

export interface E2eStackOptions {
  /**
   * Start of the stack name, the container prefix and our own images' tag
   * (default "e2e"): another lane on the same daemon (bench/faults.ts) uses
   * its own, so nothing it creates or builds is mistaken for the deploy tests'.
   */
  name?: string;
  /** Registry-style namespace of the stand-in images (default e2e.local). */
  imageNamespace?: string;
}

const PORT_KEYS = [
  "inference.chat.hostPort",
  "inference.code.hostPort",
  "gateway.hostPort",
  "qdrant.httpPort",
  "qdrant.grpcPort",
  "embedding.hostPort",
  "embedding.server.hostPort",
  "rag.hostPort",
  "mcp.hostPort",
  "mcp.adminPort",
  "memory.hostPort",
  "monitoring.prometheus.hostPort",
  "monitoring.alertmanager.hostPort",
  "monitoring.grafana.hostPort",
  "monitoring.loki.hostPort",
];

function setPath(target: Record<string, any>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cursor = target;
  for (const key of keys.slice(0, -1)) cursor = cursor[key] ??= {};
  cursor[keys[keys.length - 1]!] = value;
}

/** The stand-in memory maintainer: writes its log as the real one does, and stops cleanly on SIGTERM. */
const MAINTAINER_SCRIPT = `import os, signal, sys, time
log = "/app/memory/logs/memory_maintainer.log"
os.makedirs(os.path.dirname(log), exist_ok=True)
def stop(signum, frame):
    with open(log, "a") as f: f.write("stopping on signal %d\\n" % signum)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    with open(log, "a") as f: f.write("%s maintainer tick\\n" % time.strftime("%Y-%m-%dT%H:%M:%S"))
    time.sleep(5)
`;

export async function e2eStack(work: string, options: E2eStackOptions = {}): Promise<E2eStack> {
  const { name = "e2e", imageNamespace = LOCAL } = options;
  // The real program's own reference where one is built here, else a stand-in's.
  const standIn = (ref: string) => (REAL_IMAGE_REFS.has(ref) ? ref : standInRef(ref, imageNamespace));
  const id = Math.random().toString(36).slice(2, 7);
  // Unique, so the Docker events and labels of this run are its own.
  const stack = `${name}${id}`;
  const dataDir = path.join(work, "data");
  const modelsDir = path.join(work, "models");
  const workspaceDir = path.join(work, "workspace");
  const scriptsDir = path.join(work, "scripts");
  for (const dir of [dataDir, modelsDir, workspaceDir, scriptsDir, path.join(dataDir, "documents")]) fs.mkdirSync(dir, { recursive: true });
  // The real servers load these; a copy, so a test that breaks one file breaks only this stack's.
  const generated = await ensureTinyModels();
  for (const spec of Object.values(TINY_MODELS)) fs.copyFileSync(path.join(generated, spec.file), path.join(modelsDir, spec.file));
  const lock = await tinyModelLock(modelsDir);
  const programDir = programWithLock(path.join(work, "program"), lock);
  fs.writeFileSync(path.join(scriptsDir, "memory_maintainer.py"), MAINTAINER_SCRIPT);
  // The data dirs a service writes into are the stand-ins' (uid 0) or the services' own user's (uid 1000).
  fs.chmodSync(dataDir, 0o777);

  const p3 = (parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.p3.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
  const raw: Record<string, any> = Object.fromEntries(
    Object.entries(p3).map(([k, v]) => [k.replace(/^local-ai-suite:/, ""), structuredClone(v)]),
  );
  const defaults = parseStackConfig({});
  const nodeBase = await ensureNodeBaseImage();
  const ownBuild = (dockerfile: string) => ({
    build: { context: "services", dockerfile, tag: `${name}-${id}`, args: { BASE_IMAGE: nodeBase } },
  });

  raw.containerPrefix = `${name}${id}-`;
  raw.paths = { modelsDir, dataDir };
  raw.gpus = [];
  // Small limits: the stand-ins need little, and no container may ask for more CPUs than CI has.
  const small = { memoryMiB: 512, cpus: 0.5 };
  raw.inference = {
    ...raw.inference,
    mode: "cpu",
    image: standIn(defaults.inference.image),
    cpuImage: standIn(defaults.inference.cpuImage),
    chat: { ...raw.inference?.chat, model: TINY_MODELS.chat.file, ...small, loadTimeoutSec: 10 },
    code: { ...raw.inference?.code, model: TINY_MODELS.code.file, ...small, loadTimeoutSec: 10 },
  };
  // The key path is exercised: the gateway requires its key, and the MCP stand-in sends it.
  // The real LiteLLM proxy imports for tens of seconds on a busy 2-core host: one CPU and 1 GiB.
  raw.gateway = { ...raw.gateway, image: standIn(defaults.gateway.image), requireKey: true, memoryMiB: 1024, cpus: 1 };
  raw.qdrant = { ...raw.qdrant, image: standIn(defaults.qdrant.image), ...small };
  raw.embedding = {
    ...raw.embedding,
    source: ownBuild("embedding/Dockerfile"),
    ...small,
    server: { ...small, model: TINY_MODELS.embedding.file, loadTimeoutSec: 10 },
  };
  raw.rag = { ...raw.rag, source: ownBuild("rag/Dockerfile"), ...small };
  // The proxy's own recipe on the local bookworm base instead of the registry's debian image.
  const proxySource = defaults.healer.dockerApiProxy.source;
  raw.healer = {
    source: ownBuild("healer/Dockerfile"),
    dockerApiProxy: { source: { build: { ...proxySource.build!, args: await dockerApiProxyBuildArgs() } } },
  };
  raw.mcp = {
    ...raw.mcp,
    workspaceDir,
    source: { image: `${imageNamespace}/local-ai-suite/mcp-server:0.1.0` },
    sendsGatewayKey: true,
    ...small,
  };
  raw.memory = {
    ...raw.memory,
    scriptsDir,
    apiSource: { image: `${imageNamespace}/local-ai-suite/memory-api:0.1.0` },
    maintainerSource: { image: `${imageNamespace}/local-ai-suite/memory-maintainer:0.1.0` },
    api: small,
    maintainer: small,
  };
  const monitoringImage = (key: keyof typeof defaults.monitoring) => standIn((defaults.monitoring[key] as { image: string }).image);
  raw.monitoring = {
    enabled: true,
    dcgmExporter: { enabled: false },
    ...Object.fromEntries(
      (["prometheus", "alertmanager", "grafana", "loki", "alloy", "nodeExporter", "cadvisor"] as const).map((name) => [
        name,
        { image: monitoringImage(name), ...small },
      ]),
    ),
  };
  const ports: Record<string, number> = {};
  const picked = await freePorts(PORT_KEYS.length);
  PORT_KEYS.forEach((key, i) => {
    ports[key] = picked[i]!;
    setPath(raw, key, ports[key]);
  });
  const config = parseStackConfig(raw, "e2e stack config");
  const plan = planStack(config, { stack, projectDir: programDir, lock });
  return {
    stack,
    prefix: config.containerPrefix,
    dataDir,
    modelsDir,
    workspaceDir,
    scriptsDir,
    config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`local-ai-suite:${k}`, v])),
    stackConfig: config,
    plan,
    ports,
    programDir,
    packDir: path.join(programDir, "policies"),
    lock,
  };
}
