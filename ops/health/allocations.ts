/**
 * `health`'s second table: for each llama-server the plan runs, what it planned
 * (KV cells, model bytes, GPU total) beside what the running server reports
 * (lib/vram/allocation-check.ts says where each figure comes from).
 */
import { llamaBuildOf } from "../../lib/images";
import { lockLookup, type ModelLock } from "../../lib/models/lock";
import type { StackPlan } from "../../lib/plan/stack-plan";
import { compareAllocation, type AllocationRow, type ObservedAllocation } from "../../lib/vram/allocation-check";
import { estimateFromArgs } from "../../lib/vram/estimate";
import { endpointName } from "./targets";

export interface AllocationReport {
  service: string;
  rows: AllocationRow[];
  /** Why the server could not be asked. */
  error?: string;
}

export interface AllocationDeps {
  urls: Record<string, string>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** nvidia-smi's memory of the container's server process, MiB (undefined without a GPU). */
  processMiB?: (containerName: string) => Promise<number | undefined>;
  /** The API key the container's llama-server requires (/props is not public): scripts/health.ts reads its key file. */
  apiKey?: (containerName: string) => Promise<string | undefined>;
}

/** The parts of llama-server's /props and /v1/models answers read here. */
interface ServerAnswer {
  total_slots?: unknown;
  default_generation_settings?: { n_ctx?: unknown };
  data?: { meta?: { size?: unknown } }[];
}

/** The specs that run llama-server (their argv has --model). */
function llamaServers(plan: StackPlan) {
  return plan.services.filter(
    (s) => s.image.kind === "registry" && llamaBuildOf(s.image.ref) !== undefined && s.command?.includes("--model"),
  );
}

export async function checkAllocations(plan: StackPlan, lock: ModelLock, deps: AllocationDeps): Promise<AllocationReport[]> {
  const get = async (url: string, key: string | undefined) => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const response = await (deps.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(deps.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return (await response.json()) as ServerAnswer;
  };
  return Promise.all(
    llamaServers(plan).map(async (spec): Promise<AllocationReport> => {
      const endpoint = spec.ports[0] && endpointName(spec, spec.ports[0].internal);
      const base = endpoint ? deps.urls[endpoint] : undefined;
      if (!base) return { service: spec.service, rows: [], error: "no published port to ask" };
      try {
        const lookup = lockLookup(lock);
        const estimate = estimateFromArgs(spec.command!, lookup, {
          llamaBuild: llamaBuildOf(spec.image.kind === "registry" ? spec.image.ref : ""),
        });
        const key = await deps.apiKey?.(spec.containerName);
        const [props, models] = await Promise.all([get(`${base}/props`, key), get(`${base}/v1/models`, key)]);
        const observed: ObservedAllocation = {
          slots: Number(props.total_slots),
          nCtxPerSlot: Number(props.default_generation_settings?.n_ctx),
          modelBytes: Number(models.data?.[0]?.meta?.size),
          processMiB: await deps.processMiB?.(spec.containerName),
        };
        return { service: spec.service, rows: compareAllocation(estimate, lookup(estimate.model).facts, observed) };
      } catch (error) {
        return { service: spec.service, rows: [], error: (error as Error).message };
      }
    }),
  );
}
