/**
 * Stand-in images for every registry image a plan uses, built locally and
 * tagged with the plan's own registry-style references (the e2e stack points
 * each image key at an `e2e.local/...` name with the real tag), so that the
 * program's image handling runs as in production: RemoteImage finds the tag
 * locally and pulls nothing. Each image plays its service (standin.ts) on the
 * ports and health paths the plan gives that service, and carries the tools
 * its healthcheck runs (curl, wget, bash and python come from the base).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import type { ServiceSpec } from "../../../lib/plan/service-spec";
import type { StackPlan } from "../../../lib/plan/stack-plan";
import { dockerOk } from "../docker-cli";
import { ensureNodeBaseImage } from "../node-base-image";
import { REAL_IMAGE_REFS } from "../real-images";

export type StandInRole = "llama" | "litellm" | "qdrant" | "http" | "python";

export interface StandInImage {
  ref: string;
  role: StandInRole;
  /** Which services run it. */
  services: string[];
  /** "port=path,path;port=..." the http role serves. */
  listen: string;
  /** Paths the plan's entrypoint or probe expect to exist as programs (e.g. /bin/alloy, /usr/bin/loki). */
  launchers: string[];
  symlinks: { path: string; target: string }[];
}

const STANDIN_DIR = __dirname;

function roleOf(spec: ServiceSpec): StandInRole {
  if (spec.group === "inference" || spec.service === "embedding-server") return "llama";
  if (spec.service === "api-gateway") return "litellm";
  if (spec.service === "qdrant") return "qdrant";
  // The maintainer runs the plan's `python /app/scripts/...` command on the scripts dir the stack mounts.
  if (spec.service === "memory-maintainer") return "python";
  return "http";
}

/** Every port the plan says the service listens on, with the paths its probe and Prometheus ask for. */
export function listenOf(spec: ServiceSpec): string {
  const paths = new Map<number, Set<string>>();
  const add = (port: number, p: string) => paths.set(port, (paths.get(port) ?? new Set()).add(p));
  const probe = spec.healthcheck.test.join(" ");
  for (const [, port, p] of probe.matchAll(/http:\/\/127\.0\.0\.1:(\d+)(\/[^'"\s]*)/g)) add(Number(port), p!);
  const tcp = /\/dev\/tcp\/127\.0\.0\.1\/(\d+).*?GET (\S+) HTTP/.exec(probe);
  if (tcp) add(Number(tcp[1]), tcp[2]!);
  for (const p of spec.ports) if (!paths.has(p.internal)) paths.set(p.internal, new Set());
  if (spec.metrics) add(spec.metrics.port, spec.metrics.path);
  return [...paths].map(([port, set]) => `${port}=${[...set].join(",")}`).join(";");
}

/**
 * The stand-in images a plan needs: one per registry reference that is not a
 * real program built here (REAL_IMAGE_REFS); built sources are left to their own Dockerfiles.
 */
export function standInImages(plan: StackPlan): StandInImage[] {
  const byRef = new Map<string, StandInImage>();
  for (const spec of plan.services) {
    if (spec.image.kind !== "registry" || REAL_IMAGE_REFS.has(spec.image.ref)) continue;
    const role = roleOf(spec);
    const existing = byRef.get(spec.image.ref);
    if (existing) {
      if (existing.role !== role || (role === "http" && existing.listen !== listenOf(spec))) {
        throw new Error(`image ${spec.image.ref} would have to play both ${existing.services.join(", ")} and ${spec.service}`);
      }
      existing.services.push(spec.service);
      continue;
    }
    const binaries = spec.healthcheck.test.filter((t) => t.startsWith("/") && /\/(wget|curl)$/.test(t));
    // A probe that runs the service's own binary (Loki's `/usr/bin/loki -health`) runs the stand-in program.
    const probeProgram = spec.healthcheck.test[0] === "CMD" ? spec.healthcheck.test[1] : undefined;
    const probeLaunchers = probeProgram?.startsWith("/") && !/\/(wget|curl)$/.test(probeProgram) ? [probeProgram] : [];
    byRef.set(spec.image.ref, {
      ref: spec.image.ref,
      role,
      services: [spec.service],
      listen: role === "http" ? listenOf(spec) : "",
      launchers: [...(spec.entrypoint?.filter((t) => t.startsWith("/")).slice(0, 1) ?? []), ...probeLaunchers],
      symlinks: binaries.map((p) => ({ path: p, target: `/usr/bin/${path.basename(p)}` })),
    });
  }
  return [...byRef.values()];
}

function dockerfile(base: string, image: StandInImage): string {
  const lines = [
    `FROM ${base}`,
    "USER root",
    "RUN ln -sf /usr/bin/python3 /usr/local/bin/python",
    "COPY standin.js /standin/standin.js",
    `ENV STANDIN_ROLE=${image.role} STANDIN_LISTEN="${image.listen}" STANDIN_STOP_MS=1500`,
    ...image.symlinks.map((l) => `RUN mkdir -p ${path.dirname(l.path)} && ln -sf ${l.target} ${l.path}`),
    ...image.launchers.map(
      (l) => `RUN mkdir -p ${path.dirname(l)} && printf '#!/bin/sh\\nexec node /standin/standin.js "$@"\\n' > ${l} && chmod +x ${l}`,
    ),
    `LABEL local-ai-suite.test=standin local-ai-suite.standin.services="${image.services.join(",")}"`,
  ];
  // The maintainer's image is Python with no entrypoint: the plan's command runs the mounted script.
  if (image.role !== "python") lines.push('ENTRYPOINT ["node", "/standin/standin.js"]');
  return `${lines.join("\n")}\n`;
}

/** Bundles standin.ts (and the fakes it reuses) into one file Node runs without a loader. */
async function bundle(outDir: string): Promise<void> {
  await build({
    entryPoints: [path.join(STANDIN_DIR, "standin.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: path.join(outDir, "standin.js"),
    logLevel: "warning",
  });
}

/** Builds every stand-in image the plan needs (layer cache makes a rebuild take seconds); returns them. */
export async function buildStandInImages(
  plan: StackPlan,
  /** Further programs a service's stand-in must hold, by service (e.g. an older program's probe). */
  extraSymlinks: Record<string, StandInImage["symlinks"]> = {},
): Promise<StandInImage[]> {
  const base = await ensureNodeBaseImage();
  const images = standInImages(plan).map((image) => ({
    ...image,
    symlinks: [...image.symlinks, ...image.services.flatMap((service) => extraSymlinks[service] ?? [])],
  }));
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "standin-"));
  try {
    await bundle(context);
    for (const image of images) {
      const file = path.join(context, `Dockerfile.${image.ref.replace(/[^a-z0-9]+/gi, "-")}`);
      fs.writeFileSync(file, dockerfile(base, image));
      await dockerOk(["build", "-q", "-f", file, "-t", image.ref, context], { timeoutMs: 300_000 });
    }
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return images;
}
