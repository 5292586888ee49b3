/**
 * Image references: the pinned defaults, and the rule every reference must pass
 * (used by the config schema and by the container-safety policy alike).
 */

/** Defaults for every registry image the stack pulls. Bump deliberately, one PR each. */
export const PINNED_IMAGES = {
  /** CUDA 12 server build b9851 (2026-06-30): after the output-layer-first placement (PR #18148). */
  llamaCpp: "ghcr.io/ggml-org/llama.cpp:server-cuda-b9851",
  /** The CPU server build of the same llama.cpp build, for servers with `mode: cpu`. */
  llamaCppCpu: "ghcr.io/ggml-org/llama.cpp:server-b9851",
  /** LiteLLM proxy v1.106.2 (has order fallback, #24611/#38969); the e2e failover test installs the same version from PyPI. */
  litellm: "ghcr.io/berriai/litellm:v1.106.2",
  qdrant: "qdrant/qdrant:v1.16.3",
} as const;

const FLOATING_TAGS = new Set(["latest", "main-latest", "main-stable", "stable", "lts", "edge", "nightly", "dev", "main", "master"]);

export interface ImageRefParts {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry/repo:tag@sha256:...` into its parts (a port in the registry host is not a tag). */
export function parseImageRef(ref: string): ImageRefParts {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf("/");
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > lastSlash) {
    return { repository: rest.slice(0, lastColon), tag: rest.slice(lastColon + 1), digest };
  }
  return { repository: rest, digest };
}

/** An image id or digest as Docker writes it (`sha256:` and 64 hex digits). */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * Why `ref` is not a pinned image reference, or undefined when it is pinned.
 * Pinned = a sha256 digest, or an explicit tag that is not a rolling one
 * (`latest`, `main-latest`, bare `server-cuda`, ...).
 */
export function imagePinProblem(ref: string): string | undefined {
  const { repository, tag, digest } = parseImageRef(ref);
  if (!repository) return "the image reference is empty";
  if (digest !== undefined) {
    return IMAGE_ID.test(digest) ? undefined : `digest "${digest}" is not a sha256 digest`;
  }
  if (tag === undefined || tag === "") return "it has no tag, so Docker pulls the rolling `latest`";
  if (FLOATING_TAGS.has(tag.toLowerCase())) return `tag "${tag}" is a rolling tag that changes under you`;
  if (repository.endsWith("llama.cpp") && !/-b\d+$/.test(tag)) {
    return `llama.cpp tag "${tag}" is rolling; pin a build such as server-cuda-b9851`;
  }
  if (!/\d/.test(tag)) return `tag "${tag}" names no version`;
  return undefined;
}

/** The llama.cpp build number encoded in a `...:server-cuda-b<N>` tag, if any. */
export function llamaBuildOf(ref: string): number | undefined {
  const match = /-b(\d+)$/.exec(parseImageRef(ref).tag ?? "");
  return match ? Number(match[1]) : undefined;
}
