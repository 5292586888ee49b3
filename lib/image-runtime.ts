/**
 * What a pinned image holds at run time, read from its upstream build recipe
 * (each entry cites it): the executables a probe can call where the image is
 * distroless, and the PID 1 it starts when a container sets no entrypoint, with
 * whether that process passes Docker's stop signal on to the server. The plan
 * follows these facts and the policy pack judges probes and stops by them, so a
 * PR that brings back an impossible probe or a wrapper PID 1 fails review.
 */
import { parseImageRef } from "./images";

export interface ImageRuntime {
  /** The repository's last path parts ("grafana/loki"); any registry or namespace in front matches. */
  repository: string;
  /** The first version these facts hold for (inclusive). */
  since?: string;
  /** Every executable in the image, when it has no shell or tools beyond its own binary. */
  executables?: string[];
  /** The image's own PID 1 (ENTRYPOINT + CMD) when the container sets no entrypoint. */
  defaultPid1?: { argv: string[]; passesStopSignal: boolean; why: string; fix: string[] };
  /** Where the facts were read. */
  source: string;
}

export const IMAGE_RUNTIMES: readonly ImageRuntime[] = [
  {
    repository: "grafana/loki",
    since: "3.6.0",
    // FROM gcr.io/distroless/static:nonroot: busybox went in 3.6.0 (grafana/loki#20149); 3.6.x and 3.7 ship
    // `loki -health` (grafana/loki#20313, #20590) for exactly this.
    executables: ["/usr/bin/loki"],
    source: "grafana/loki cmd/loki/Dockerfile and cmd/loki/health.go at v3.7.6",
  },
  {
    repository: "qdrant/qdrant",
    defaultPid1: {
      argv: ["./entrypoint.sh"],
      passesStopSignal: false,
      why: "its bash wrapper forwards SIGTERM and exits at once (wait returns 143), so the kernel kills Qdrant mid-shutdown whatever the stop grace",
      fix: ["/qdrant/qdrant"],
    },
    source: "qdrant/qdrant Dockerfile (CMD ./entrypoint.sh) and tools/entrypoint.sh at v1.16.3",
  },
];

function versionParts(v: string): number[] {
  return (/(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1) ?? []).map(Number);
}

function atLeast(tag: string, since: string): boolean {
  const [a, b] = [versionParts(tag), versionParts(since)];
  if (a.length !== 3) return true; // an unparseable tag: judge it by the newest facts
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** The facts of `ref`'s image, if any are known. */
export function imageRuntimeOf(ref: string): ImageRuntime | undefined {
  const { repository, tag } = parseImageRef(ref);
  return IMAGE_RUNTIMES.find(
    (r) => (repository === r.repository || repository.endsWith(`/${r.repository}`)) && (!r.since || atLeast(tag ?? "", r.since)),
  );
}

/** Why a Docker healthcheck `test` cannot run in `ref`'s image, or undefined when it can (or nothing is known). */
export function probeRunProblem(ref: string, test: readonly string[]): string | undefined {
  const facts = imageRuntimeOf(ref);
  if (!facts?.executables || test.length < 2 || test[0] === "NONE") return undefined;
  const program = test[0] === "CMD-SHELL" ? "/bin/sh" : test[1]!;
  if (facts.executables.includes(program)) return undefined;
  return `its probe runs ${program}, which ${ref} does not have: the image holds only ${facts.executables.join(", ")} (${facts.source})`;
}

/** Why the container's PID 1 would not pass the stop grace on to the server, or undefined. */
export function stopSignalProblem(ref: string, entrypoint: readonly string[] | undefined): string | undefined {
  const pid1 = imageRuntimeOf(ref)?.defaultPid1;
  if (!pid1 || pid1.passesStopSignal || (entrypoint && entrypoint.length > 0)) return undefined;
  return `it runs the image's own PID 1 (${pid1.argv.join(" ")}): ${pid1.why}. Fix: set its entrypoint to ${JSON.stringify(pid1.fix)}`;
}
