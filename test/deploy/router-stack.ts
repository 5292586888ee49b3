/**
 * The router lane (test/deploy/router.test.ts, bench/swap.ts): p2's services
 * on the real programs, where inference-chat is a llama-server b9851 router in
 * CPU mode holding at most one of its models, and inference-code a plain CPU
 * server, the failover tier. Besides the two test models the router lists a
 * corrupt one (a truncated copy) and one whose file is gone: both are in the
 * lock, as a model that was locked and then damaged or deleted would be.
 * RAG and the embedding service require the stack token, as in p2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { serializeModelLock, type ModelLock } from "../../lib/models/lock";
import { TINY_MODELS } from "../support/real-models/tiny-gguf";
import { e2eStack, type E2eStack } from "./e2e-stack";
import { FAULT_SERVICES } from "./faults-stack";
import { prepareTrimmedDeploy, trimmedStack, type TrimmedDeploy } from "./trimmed-deploy";

export const ROUTER_NAME = "router";
const OWN_BUILD_TAG = "router-1";

/** The router's model aliases (its public model names at the gateway). */
export const ROUTED = { chat: "tiny-chat", code: "tiny-code", corrupt: "tiny-corrupt", missing: "tiny-missing" } as const;
/** The CPU server's alias: every router model falls back to it. */
export const FAILOVER_ALIAS = "cpu-fallback";
const CORRUPT_FILE = "tiny-corrupt.gguf";
const MISSING_FILE = "tiny-missing.gguf";

export async function routerStack(work: string): Promise<E2eStack> {
  const e2e = await e2eStack(work, { name: ROUTER_NAME, imageNamespace: `${ROUTER_NAME}.local` });
  const chatFile = path.join(e2e.modelsDir, TINY_MODELS.chat.file);
  // The header and the first tensors only: llama.cpp reads the header, then fails on the missing data.
  fs.writeFileSync(path.join(e2e.modelsDir, CORRUPT_FILE), fs.readFileSync(chatFile).subarray(0, 100_000));
  const lock = withCopy(withCopy(e2e.lock, TINY_MODELS.chat.file, CORRUPT_FILE), TINY_MODELS.chat.file, MISSING_FILE);
  fs.writeFileSync(path.join(e2e.programDir, "models.lock.json"), serializeModelLock(lock));
  return trimmedStack({ ...e2e, lock }, OWN_BUILD_TAG, FAULT_SERVICES, (raw) => {
    raw.inference.chat = {
      ...raw.inference.chat,
      threads: 1,
      router: {
        maxLoaded: 1,
        models: [
          { alias: ROUTED.chat, model: TINY_MODELS.chat.file },
          { alias: ROUTED.code, model: TINY_MODELS.code.file },
          { alias: ROUTED.corrupt, model: CORRUPT_FILE },
          { alias: ROUTED.missing, model: MISSING_FILE },
        ],
      },
    };
    raw.inference.code = { ...raw.inference.code, alias: FAILOVER_ALIAS, threads: 1 };
    raw.gateway = { ...raw.gateway, chatModel: ROUTED.chat, codeModel: ROUTED.code };
    // p2's defaults, which p3 (the e2e stack's base) turns off for its reference callers, none of which run here.
    // p2's defaults, where p3 (the e2e stack's base) turns them off for the reference services.
    raw.qdrant = { ...raw.qdrant, requireKey: true };
    raw.rag = { ...raw.rag, requireToken: true };
    raw.embedding = { ...raw.embedding, requireToken: true };
  });
}

/** `source`'s lock entry under the name `file` too. */
function withCopy(lock: ModelLock, source: string, file: string): ModelLock {
  const entry = structuredClone(lock.models[source]!);
  entry.source = { ...entry.source, file };
  return { ...lock, models: { ...lock.models, [file]: entry } };
}

export function prepareRouterDeploy(): Promise<TrimmedDeploy> {
  return prepareTrimmedDeploy(ROUTER_NAME, routerStack);
}
