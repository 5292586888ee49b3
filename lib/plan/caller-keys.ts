/**
 * Auth every caller can use. The gateway requires the master key (unless
 * gateway.requireKey is off) and Qdrant requires its API key (unless
 * qdrant.requireKey is off and the stack sets none); each service's spec says which keys it sends (`sendsKeys`). A
 * caller that talks to a service but cannot send the key it requires would
 * get 401 on every call while its container reports healthy, so the plan fails
 * instead, naming the caller, the key it lacks and the config change that fixes it.
 */
import type { ConfigProblem } from "../config/errors";
import type { StackConfig } from "../config/schema";
import { GATEWAY_SERVICE } from "./gateway";
import { QDRANT_SERVICE } from "./qdrant";
import { EMBEDDING_SERVER_SERVICE, EMBEDDING_SERVICE } from "./embedding";
import { RAG_SERVICE } from "./rag";
import { tokenRequired } from "./service-token";
import { INFERENCE_SERVICE } from "./inference";
import type { ServiceSpec, StackKey } from "./service-spec";

/** Which key each service requires of its callers in this stack. */
export function requiredKeys(config: StackConfig, secrets: { qdrantApiKey: boolean }): Partial<Record<string, StackKey>> {
  return {
    ...(config.gateway.requireKey ? { [GATEWAY_SERVICE]: "gatewayMasterKey" as const } : {}),
    ...(secrets.qdrantApiKey ? { [QDRANT_SERVICE]: "qdrantApiKey" as const } : {}),
    ...(tokenRequired(config, "rag") ? { [RAG_SERVICE]: "serviceToken" as const } : {}),
    ...(tokenRequired(config, "embedding") ? { [EMBEDDING_SERVICE]: "serviceToken" as const } : {}),
    // Every llama-server requires the stack's inference key (--api-key-file).
    ...Object.fromEntries([...Object.values(INFERENCE_SERVICE), EMBEDDING_SERVER_SERVICE].map((s) => [s, "inferenceApiKey" as const])),
  };
}

/** How to stop requiring the key, per key: the only fix when the caller cannot be changed. */
const RELAX: Record<Exclude<StackKey, "serviceToken">, { key: string; fix: string }> = {
  gatewayMasterKey: {
    key: "gateway.requireKey",
    fix: "pulumi config set --path 'gateway.requireKey' false (the gateway then answers anyone who reaches it, as in the reference)",
  },
  qdrantApiKey: {
    key: "qdrant.requireKey",
    fix: "pulumi config set --path 'qdrant.requireKey' false, and pulumi config rm qdrantApiKey if the stack sets one (Qdrant then answers anyone who reaches it, as in the reference)",
  },
  inferenceApiKey: {
    key: "inferenceApiKey",
    fix: "call the llama-servers through the gateway (every llama-server of the stack requires the key; there is no switch to turn it off)",
  },
};

function relaxFor(key: StackKey, callee: string): { key: string; fix: string } {
  if (key !== "serviceToken") return RELAX[key];
  return {
    key: `${callee}.requireToken`,
    fix: `pulumi config set --path '${callee}.requireToken' false (${callee} then answers anyone who reaches it)`,
  };
}

/** One problem per caller that talks to a service whose key it does not send. */
export function callerKeyProblems(services: readonly ServiceSpec[], required: Partial<Record<string, StackKey>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const caller of services) {
    for (const callee of caller.dependsOn) {
      const key = required[callee];
      if (!key || caller.sendsKeys.includes(key)) continue;
      const relax = relaxFor(key, callee);
      problems.push({
        key: relax.key,
        value: key === "gatewayMasterKey" ? true : "(set)",
        allowed: `${caller.service} calls ${callee}, which requires ${key}, but ${caller.service} cannot send it (${caller.image.ref})`,
        fix: `run a ${caller.service} that sends the key, turn ${caller.service} off, or ${relax.fix}`,
      });
    }
  }
  return problems;
}

/** What each service sends, for the stack outputs and the README's host-client instructions. */
export function keysSentBy(services: readonly ServiceSpec[]): Record<string, StackKey[]> {
  return Object.fromEntries(services.map((s) => [s.service, s.sendsKeys]));
}
