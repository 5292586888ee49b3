/**
 * What credential a container asks of whoever reaches its published port, read
 * from what it really receives (its image, argv, env and uploaded config): the
 * programs of this stack that can require one, and how each is switched on.
 * Each also names the paths it leaves open without the credential.
 */
import { parseImageRef } from "../../lib/images";
import { QDRANT_API_KEY_ENV, QDRANT_KEY_FILE, qdrantKeyInConfig } from "../../lib/plan/qdrant";
import type { ContainerView } from "./container-view";
import { isLlamaCppImage, llamaServerArgv } from "./llama-server";

export interface PortCredential {
  /** What a caller must send. */
  credential: string;
  /** Paths the program answers without it (health, model list). */
  publicPaths: string[];
}

const repositoryOf = (c: ContainerView) => (c.imageRef ? parseImageRef(c.imageRef).repository : "");

export function isLiteLLM(c: ContainerView): boolean {
  const repository = repositoryOf(c);
  return repository.endsWith("/litellm") || repository === "litellm";
}

/**
 * `secretGenerators`: the names of the generated secrets (RandomPassword resources)
 * whose values the container's env or uploaded files take. On a first preview such
 * an entry is unknown as a whole, name and all; the generator still says what it is.
 */
export function portCredentialOf(c: ContainerView, secretGenerators: readonly string[] = []): PortCredential | undefined {
  if (isLlamaCppImage(c.imageRef)) {
    const argv = llamaServerArgv(c) ?? [];
    const keyed =
      argv.some((t) => /^--api-key(-file)?(=|$)/.test(t)) ||
      c.env.LLAMA_API_KEY !== undefined ||
      c.env.LLAMA_ARG_API_KEY_FILE !== undefined;
    // b9851's public endpoints (tools/server/server-http.cpp).
    return keyed
      ? { credential: "llama-server --api-key(-file)", publicPaths: ["/health", "/v1/health", "/models", "/v1/models", "/"] }
      : undefined;
  }
  const repository = repositoryOf(c);
  if (isLiteLLM(c)) {
    const config = (c.props.uploads ?? []).map((u) => u.content ?? "").join("\n");
    return /^\s*master_key:\s*\S/m.test(config)
      ? { credential: "LiteLLM master key (general_settings.master_key)", publicPaths: ["/health/liveliness", "/health/readiness"] }
      : undefined;
  }
  if (repository.endsWith("qdrant/qdrant") || repository === "qdrant") {
    const configKey = (c.props.uploads ?? []).some((u) => u.file === QDRANT_KEY_FILE.path && qdrantKeyInConfig(u.content));
    const keyed = configKey || c.env[QDRANT_API_KEY_ENV] !== undefined || secretGenerators.some((g) => g.endsWith("-qdrantApiKey"));
    return keyed
      ? {
          credential: `Qdrant API key (service.api_key in ${QDRANT_KEY_FILE.path}, or ${QDRANT_API_KEY_ENV})`,
          publicPaths: ["/readyz", "/livez", "/healthz"],
        }
      : undefined;
  }
  // Ours (services/common/src/bearer-auth.ts): the stack token, when SERVICE_TOKEN_FILE names it.
  if (/(^|\/)local-ai-suite\/(rag|embedding)$/.test(repository) && c.env.SERVICE_TOKEN_FILE) {
    return { credential: "the stack token (SERVICE_TOKEN_FILE)", publicPaths: ["/health"] };
  }
  if (repository.endsWith("grafana/grafana")) {
    // Grafana asks for a login unless anonymous access is on (the admin password's strength is container-secrets').
    return (c.env.GF_AUTH_ANONYMOUS_ENABLED ?? "").toLowerCase() === "true"
      ? undefined
      : { credential: "Grafana login", publicPaths: ["/api/health", "/login"] };
  }
  return undefined;
}

/** The host ports a container publishes. */
export function publishedPorts(c: ContainerView): { external: number; internal: number; ip: string }[] {
  return (c.props.ports ?? []).map((p) => ({ external: p.external ?? p.internal, internal: p.internal, ip: p.ip ?? "0.0.0.0" }));
}
