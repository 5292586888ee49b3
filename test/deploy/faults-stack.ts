/**
 * The stack the fault benchmark (bench/faults.ts) deploys for real: the deploy
 * tests' e2e stack (e2e-stack.ts: the real llama-server, Qdrant and LiteLLM
 * images on small real models, CPU mode, unique prefix, free ports, temporary
 * data) trimmed to what the faults touch: the inference pair, the gateway,
 * Qdrant, embedding with its server, RAG and the healer (with its Docker API proxy). Every service is a
 * real program or one of ours built from services/; no stand-in. Deployed
 * as a lane of its own (trimmed-deploy.ts).
 */
import { TINY_MODELS } from "../support/real-models/tiny-gguf";
import { e2eStack, type E2eStack } from "./e2e-stack";
import { P2_SERVICES } from "../support/p2-services";
import { prepareTrimmedDeploy, trimmedStack, type TrimmedDeploy } from "./trimmed-deploy";

/** Services the benchmark runs: p2's; everything else of p3 is turned off. */
export const FAULT_SERVICES = P2_SERVICES;

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

export type FaultsDeploy = TrimmedDeploy;

/** The e2e stack with monitoring, memory and MCP off. */
export async function faultsStack(work: string): Promise<E2eStack> {
  const e2e = await e2eStack(work, { name: FAULTS_NAME, imageNamespace: FAULTS_IMAGE_NAMESPACE });
  return trimmedStack(e2e, OWN_BUILD_TAG, FAULT_SERVICES, (raw) => {
    // The chat server on the deep test model, sized so that one long prompt is one batch of seconds (the busy fault).
    // One thread each: under a 0.5-CPU quota, ggml's spinning worker threads throttle one another (p50 1.4 s with 4).
    raw.inference.chat = {
      ...raw.inference.chat,
      model: TINY_MODELS.deep.file,
      ctxSize: 4608,
      batchSize: 4096,
      ubatchSize: 512,
      threads: 1,
    };
    raw.inference.code = { ...raw.inference.code, threads: 1 };
    // RAG's Qdrant retry budget: 3 attempts, waits of 8-10 s (16-20 s in all; the shipped default, 2-10 s, gives
    // 4-12 s). A docker stop + start of Qdrant took 2.7-10 s on the shared 2-core machine, so the default's 4 s
    // floor cannot tell a short outage from a long one here; the bars are relative to whatever budget RAG runs with.
    raw.retries = { ...raw.retries, qdrantMax: 3, qdrantMinWait: 8, qdrantMaxWait: 10 };
    // RAG's answers are 8 tokens like the gateway traffic's: 4 queries/s of 256 tokens each would saturate
    // the 0.5-CPU chat server by themselves (p50 2.7 s, then 60 s timeouts), which is no Qdrant fault.
    raw.rag = { ...raw.rag, maxTokens: 8 };
  });
}

/** A throwaway project with the trimmed stack, its images built and the stack initialised; nothing deployed yet. */
export function prepareFaultsDeploy(): Promise<FaultsDeploy> {
  return prepareTrimmedDeploy(FAULTS_NAME, faultsStack);
}
