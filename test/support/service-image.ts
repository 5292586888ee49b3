/**
 * Builds one of the services' images (services/<name>/Dockerfile, context
 * services/) on the local Node base, as the deploy tests and the services'
 * own container tests need it.
 */
import * as path from "node:path";
import { dockerOk } from "./docker-cli";
import { ensureNodeBaseImage, SERVICES_DIR } from "./node-base-image";

export type ServiceName = "rag" | "embedding" | "healer";

/** Builds the image and returns its tag (default local-ai-suite-test/<service>:dev). */
export async function buildServiceImage(service: ServiceName, tag = `local-ai-suite-test/${service}:dev`): Promise<string> {
  const base = await ensureNodeBaseImage();
  await dockerOk(
    ["build", "-q", "-f", path.join(SERVICES_DIR, service, "Dockerfile"), "--build-arg", `BASE_IMAGE=${base}`, "-t", tag, SERVICES_DIR],
    { timeoutMs: 600_000 },
  );
  return tag;
}

/** The image's own HEALTHCHECK and user, as `docker inspect` reports them. */
export async function imageConfig(tag: string): Promise<{ user: string; healthcheck: string[]; cmd: string[]; exposed: string[] }> {
  const config = JSON.parse(await dockerOk(["image", "inspect", "--format", "{{json .Config}}", tag])) as {
    User?: string;
    Healthcheck?: { Test?: string[] };
    Cmd?: string[];
    ExposedPorts?: Record<string, unknown>;
  };
  return {
    user: config.User ?? "",
    healthcheck: config.Healthcheck?.Test ?? [],
    cmd: config.Cmd ?? [],
    exposed: Object.keys(config.ExposedPorts ?? {}),
  };
}

/**
 * Starts the image as a detached container on the host network with the image's own HEALTHCHECK probed every
 * second (2 retries, 5 s timeout), so a test sees the health turn within seconds. `mounts` are `-v` specs.
 */
export async function runServiceContainer(name: string, image: string, env: Record<string, string>, mounts: string[] = []): Promise<void> {
  await dockerOk([
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "host",
    ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
    ...mounts.flatMap((mount) => ["-v", mount]),
    ...["--health-interval", "1s", "--health-timeout", "5s", "--health-retries", "2", "--health-start-period", "1s"],
    image,
  ]);
}
