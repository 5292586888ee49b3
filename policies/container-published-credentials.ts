/**
 * container-published-credentials: a port published on the host is reachable
 * by every local user and process, by a web page through DNS rebinding, and
 * on some engines from the LAN even on 127.0.0.1 (moby/moby#45610). So each
 * published port's program must ask for a credential (support/published-credentials.ts
 * reads which, from what the container receives), or the stack's policy config
 * must allowlist the service with the reason it is published open. An
 * allowlist entry without a reason is no exception.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { describeContainer, type ContainerView } from "./support/container-view";
import { rethrowUnknown, unknownUploadContentIndex, type UnknownValue } from "./support/known";
import { isLiteLLM, portCredentialOf, publishedPorts } from "./support/published-credentials";
import { RANDOM_PASSWORD } from "./support/resource-types";
import { stackContainers } from "./support/stack-containers";

export interface PublishedCredentialsConfig {
  /** Services whose published ports may answer without a credential, each with the reason (reviewed like code). */
  allow: Record<string, string>;
}

export function publishedCredentialProblems(
  c: ContainerView,
  config: PublishedCredentialsConfig,
  secretGenerators: readonly string[] = [],
): string[] {
  const ports = publishedPorts(c);
  if (ports.length === 0 || portCredentialOf(c, secretGenerators)) return [];
  const reason = config.allow[c.service];
  if (reason !== undefined && reason.trim().length >= 10) return [];
  const list = ports.map((p) => `${p.ip}:${p.external} -> ${p.internal}`).join(", ");
  return [
    `${describeContainer(c)} publishes ${list} with no credential: any local user or process, and a web page through DNS rebinding, can call it. ` +
      (reason !== undefined ? `Its allowlist entry has no real reason ("${reason}"). ` : "") +
      `Fix: make it require a credential (llama-server --api-key-file, LiteLLM's master key, Qdrant's API key), stop publishing the port, ` +
      `or allowlist "${c.service}" under container-published-credentials.allow in the stack's policy config with the reason it is open.`,
  ];
}

export const containerPublishedCredentials: StackValidationPolicy = {
  name: "container-published-credentials",
  description:
    "Checks that every container with a published host port requires a credential, unless the policy config allowlists it with a reason.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: { properties: { allow: { type: "object", additionalProperties: { type: "string" }, default: {} } } },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<PublishedCredentialsConfig>();
    const { views, resources } = stackContainers(args.resources);
    // The generated secrets each container's env or files take (a first preview knows them, not their values).
    const secretGenerators = (c: ContainerView) => {
      const deps = resources.get(c)?.propertyDependencies ?? {};
      return [...(deps.envs ?? []), ...(deps.uploads ?? [])].filter((r) => r.type === RANDOM_PASSWORD).map((r) => r.name);
    };
    for (const c of views)
      for (const problem of publishedCredentialProblems(c, config, secretGenerators(c))) reportViolation(problem, c.urn);
    // Only LiteLLM's config file is read among the shipped files; a generated key file unknown at preview does not matter.
    const matters = (v: ContainerView, u: UnknownValue) => unknownUploadContentIndex(u) === undefined || isLiteLLM(v);
    rethrowUnknown(
      views.flatMap((v) => v.unknown.filter((u) => matters(v, u))),
      ["ports", "image", "command", "entrypoints", "uploads"],
    );
  },
};
