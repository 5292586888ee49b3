/**
 * The healer's Docker API proxy image, from the recipe the plan builds
 * (images/docker-api-proxy/Dockerfile), on the local bookworm base instead of
 * the registry's debian image. Docker's layer cache keeps a rebuild to seconds.
 */
import * as path from "node:path";
import { dockerOk } from "./docker-cli";
import { PROJECT_ROOT } from "./litellm-install";
import { ensureMinbaseImage } from "./node-base-image";

export const DOCKER_API_PROXY_CONTEXT = path.join(PROJECT_ROOT, "images", "docker-api-proxy");

/** The build args that put the recipe on the local base (what the e2e stack's config sets too). */
export async function dockerApiProxyBuildArgs(): Promise<Record<string, string>> {
  return { BASE_IMAGE: await ensureMinbaseImage() };
}

export async function buildDockerApiProxyImage(tag = "local-ai-suite-test/docker-api-proxy:dev"): Promise<string> {
  const args = Object.entries(await dockerApiProxyBuildArgs()).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  await dockerOk(["build", "-q", ...args, "-t", tag, DOCKER_API_PROXY_CONTEXT], { timeoutMs: 600_000 });
  return tag;
}
