/**
 * The stack the fault benchmark (bench/faults.ts) deploys for real: the deploy
 * tests' e2e stack (e2e-stack.ts: the real llama-server, Qdrant and LiteLLM
 * images on small real models, CPU mode, unique prefix, free ports, temporary
 * data) trimmed to what the faults touch: the inference pair, the gateway,
 * Qdrant, embedding with its server, RAG and the healer. Every service is a
 * real program or one of ours built from services/; no stand-in.
 * `pulumi up` and `destroy` run with the policy pack as in deploy.test.ts, and
 * `cleanup` removes whatever carries the stack's label, also after a failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../../lib/config/load";
import { STACK_LABEL } from "../../lib/plan/define-service";
import { planStack } from "../../lib/plan/stack-plan";
import { removeStackLeftovers } from "../support/docker-cli";
import {
  cleanup as removeProject,
  initStack,
  packArgs,
  REPO_DIR,
  runWithEvents,
  tempProject,
  writeStackFile,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";
import { ensureRealImages } from "../support/real-images";
import { TINY_MODELS } from "../support/real-models/tiny-gguf";
import { e2eStack, type E2eStack } from "./e2e-stack";

/** Services the benchmark runs; everything else of p3 is turned off. */
export const FAULT_SERVICES = [
  "inference-chat",
  "inference-code",
  "api-gateway",
  "qdrant",
  "embedding-server",
  "embedding",
  "rag",
  "healer",
];

/**
 * Names of this lane, apart from the deploy tests' (e2e<id>,
 * local-ai-suite/*:e2e-<id>) on the same daemon: stack and container prefix
 * faults<id>, our own images under one fixed tag (with a digit: the pack wants
 * a version), so repeated runs do not pile up tags, and faults.local/ for a
 * stand-in, should a service without a real program ever join the lane.
 */
export const FAULTS_NAME = "faults";
export const FAULTS_IMAGE_NAMESPACE = "faults.local";
const OWN_BUILD_TAG = "faults-1";

export interface FaultsDeploy {
  project: Project;
  e2e: E2eStack;
  /** Label filter of everything this stack made. */
  label: string;
  /** Container name of a service. */
  name(service: string): string;
  up(): Promise<EngineRun>;
  /** pulumi destroy, then whatever still carries the label (containers, networks, volumes), then the project dir. */
  cleanup(): Promise<string[]>;
}

/** The e2e stack with monitoring, memory and MCP off. */
export async function faultsStack(work: string): Promise<E2eStack> {
  const e2e = await e2eStack(work, { name: FAULTS_NAME, imageNamespace: FAULTS_IMAGE_NAMESPACE });
  const raw: Record<string, any> = Object.fromEntries(Object.entries(e2e.config).map(([k, v]) => [k.replace(/^local-ai-suite:/, ""), v]));
  raw.monitoring = { ...raw.monitoring, enabled: false };
  raw.memory = { ...raw.memory, enabled: false };
  raw.mcp = { ...raw.mcp, enabled: false };
  // The chat server on the deep test model, sized so that one long prompt is one batch of seconds (the busy fault).
  // One thread each: under a 0.5-CPU quota, ggml's spinning worker threads throttle one another (p50 1.4 s with 4).
  raw.inference.chat = { ...raw.inference.chat, model: TINY_MODELS.deep.file, ctxSize: 4608, batchSize: 4096, ubatchSize: 512, threads: 1 };
  raw.inference.code = { ...raw.inference.code, threads: 1 };
  // RAG's Qdrant retry budget: 3 attempts, waits of 8-10 s (16-20 s in all; the shipped default, 2-10 s, gives
  // 4-12 s). A docker stop + start of Qdrant took 2.7-10 s on the shared 2-core machine, so the default's 4 s
  // floor cannot tell a short outage from a long one here; the bars are relative to whatever budget RAG runs with.
  raw.retries = { ...raw.retries, qdrantMax: 3, qdrantMinWait: 8, qdrantMaxWait: 10 };
  // RAG's answers are 8 tokens like the gateway traffic's: 4 queries/s of 256 tokens each would saturate
  // the 0.5-CPU chat server by themselves (p50 2.7 s, then 60 s timeouts), which is no Qdrant fault.
  raw.rag = { ...raw.rag, maxTokens: 8 };
  for (const service of ["rag", "embedding", "healer"]) {
    const source = raw[service].source as { build: { tag: string } };
    source.build = { ...source.build, tag: OWN_BUILD_TAG };
  }
  const config = parseStackConfig(raw, "faults stack config");
  const plan = planStack(config, { stack: e2e.stack, projectDir: e2e.programDir, lock: e2e.lock });
  const planned = plan.services.map((s) => s.service).sort();
  if (planned.join() !== [...FAULT_SERVICES].sort().join())
    throw new Error(`the trimmed stack plans ${planned.join(", ")}, not ${FAULT_SERVICES.join(", ")}`);
  return { ...e2e, plan, stackConfig: config, config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`local-ai-suite:${k}`, v])) };
}

/** A throwaway project with the trimmed stack, its images built and the stack initialised; nothing deployed yet. */
export async function prepareFaultsDeploy(): Promise<FaultsDeploy> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"));
  let project: Project | undefined;
  let e2e: E2eStack | undefined;
  const label = () => `${STACK_LABEL}=${e2e?.stack ?? "none"}`;
  const cleanup = async (): Promise<string[]> => {
    const notes: string[] = [];
    if (e2e && project) {
      const destroy = await runWithEvents(project, ["destroy"], ["--stack", e2e.stack, "--yes"], { timeoutMs: 300_000 });
      if (destroy.code !== 0) notes.push(`pulumi destroy failed (${destroy.code}): ${destroy.output.slice(-800)}`);
      // The stack's volumes outlive a destroy by design (retainOnDelete); these are this run's own.
      const left = await removeStackLeftovers(e2e.stack);
      if (left.containers) notes.push(`removed ${left.containers} container(s) left after destroy`);
      notes.push(...left.failures);
    }
    if (project) removeProject(project);
    fs.rmSync(work, { recursive: true, force: true });
    return notes;
  };
  try {
    ensureRealImages();
    e2e = await faultsStack(work);
    project = tempProject({ program: e2e.programDir, stacks: {} });
    // As in deploy.test.ts: the committed p3 policy config with one reviewed exception, since
    // the test models load in under a second: a 10 s start period for the model servers.
    const p3 = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "config", "p3.json"), "utf8"));
    p3["container-healthchecks"].minModelStartPeriodSec = 10;
    const policyConfig = path.join(project.work, "policy-config.json");
    fs.writeFileSync(policyConfig, JSON.stringify(p3, null, 2));
    writeStackFile(project, e2e.stack, e2e.config);
    await initStack(project, e2e.stack);
    const stack = e2e;
    const engineProject = project;
    return {
      project,
      e2e: stack,
      label: label(),
      name: (service) => `${stack.prefix}${service}`,
      up: () =>
        runWithEvents(
          engineProject,
          ["up"],
          ["--stack", stack.stack, "--yes", "--skip-preview", ...packArgs(stack.stack, { config: policyConfig, dir: stack.packDir })],
          { timeoutMs: 900_000 },
        ),
      cleanup,
    };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}
