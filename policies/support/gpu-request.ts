/**
 * How a container asks Docker for NVIDIA GPUs, which ones it gets, and every
 * way the request can silently leave it on the CPU.
 */
import type { ContainerView } from "./container-view";

/** The GPUs a container gets: listed ids, the first `count` GPUs, or all of them. */
export type GpuSelection = { ids: string[] } | { count: number } | "all";

export interface GpuRequest {
  /** Any of deviceRequests / gpus is set. */
  requested: boolean;
  selection?: GpuSelection;
  /** Why the request does not reliably give it an NVIDIA GPU. */
  problems: string[];
}

const CDI_PREFIX = "nvidia.com/gpu=";

export function gpuRequestOf(c: ContainerView): GpuRequest {
  const requests = (c.props.deviceRequests ?? []).filter((r) => r !== undefined && r !== null);
  const gpus = c.props.gpus;
  const runtime = c.props.runtime;
  const problems: string[] = [];
  if (requests.length === 0 && gpus === undefined) {
    if (runtime)
      problems.push(`runtime "${runtime}" is set but no GPU is requested, so the GPU depends on the image's NVIDIA_VISIBLE_DEVICES`);
    return { requested: false, problems };
  }
  if (requests.length > 0 && gpus !== undefined) {
    problems.push(`both gpus ("${gpus}") and deviceRequests are set, which Docker merges unpredictably`);
  }
  if (gpus !== undefined && requests.length === 0) {
    const selection = parseGpusFlag(gpus);
    if (!selection) problems.push(`gpus "${gpus}" is not "all", a count or "device=<ids>"`);
    return { requested: true, selection, problems };
  }
  const ids: string[] = [];
  let count = 0;
  for (const r of requests) {
    const driver = r.driver ?? "";
    const deviceIds = r.deviceIds ?? [];
    const cdi = driver === "cdi" && deviceIds.length > 0 && deviceIds.every((id) => id.startsWith(CDI_PREFIX));
    if (driver !== "nvidia" && !cdi) {
      problems.push(
        `deviceRequests driver is ${driver ? `"${driver}"` : "unset"}, not "nvidia" (or "cdi" with nvidia.com/gpu=<id> devices)`,
      );
    }
    if (!(r.capabilities ?? []).includes("gpu"))
      problems.push(`deviceRequests has no capabilities ["gpu"], so the NVIDIA runtime does not attach the GPU`);
    if (deviceIds.length > 0) ids.push(...deviceIds.map((id) => (id.startsWith(CDI_PREFIX) ? id.slice(CDI_PREFIX.length) : id)));
    else if (r.count === -1) count = -1;
    else if (r.count !== undefined && r.count > 0) count = count === -1 ? -1 : Math.max(count, r.count);
    else problems.push(`deviceRequests has count ${r.count ?? "unset"} and no deviceIds, so Docker attaches no GPU`);
  }
  const selection: GpuSelection | undefined =
    ids.length > 0 ? { ids: [...new Set(ids)] } : count === -1 ? "all" : count > 0 ? { count } : undefined;
  return { requested: true, selection, problems };
}

function parseGpusFlag(gpus: string): GpuSelection | undefined {
  const text = gpus.trim().replace(/^"|"$/g, "");
  if (text === "all") return "all";
  if (/^\d+$/.test(text)) return Number(text) > 0 ? { count: Number(text) } : undefined;
  const devices = /^device=(.+)$/.exec(text);
  return devices
    ? {
        ids: devices[1]!
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      }
    : undefined;
}

/** Configured GPU ids a selection lands on, and the ids it names that the config does not know. */
export function resolveSelection(selection: GpuSelection, gpuIds: readonly string[]): { ids: string[]; unknown: string[] } {
  if (selection === "all") return { ids: [...gpuIds], unknown: [] };
  if ("count" in selection) return { ids: gpuIds.slice(0, selection.count), unknown: [] };
  return { ids: selection.ids.filter((id) => gpuIds.includes(id)), unknown: selection.ids.filter((id) => !gpuIds.includes(id)) };
}
