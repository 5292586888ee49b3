/**
 * `doctor`: every preflight check, all of them, whatever fails. A check that
 * throws becomes a failed row naming the check; it never stops the others.
 */
import type { LoadedStack } from "../stack";
import { buildContextChecks } from "./build-context-checks";
import type { CheckResult } from "./check-result";
import { DOCKER_SOCKET } from "../../lib/plan/mcp";
import { CADVISOR } from "../../lib/plan/monitoring/service-addresses";
import { cadvisorStoreCheck, dockerChecks, loopbackPublishCheck } from "./docker-checks";
import { gpuChecks } from "./gpu-checks";
import type { HostProbe } from "./host-probe";
import { DEFAULT_MIN_FREE_GIB, directoryChecks, diskCheck, portChecks, pulumiCheck } from "./host-checks";
import { modelChecks } from "./model-checks";

export interface DoctorOptions {
  minFreeGiB?: number;
  /** Skip the models' sha256 (size and header only). */
  skipModelHash?: boolean;
}

export async function runDoctor(
  { config, lock, plan }: LoadedStack,
  probe: HostProbe,
  options: DoctorOptions = {},
): Promise<CheckResult[]> {
  const running = await probe.runningContainers(plan.stack).catch(() => [] as string[]);
  const groups: [string, () => Promise<CheckResult | CheckResult[]>][] = [
    ["docker", () => dockerChecks(probe)],
    [
      "cadvisor",
      async () => {
        const info = await probe.dockerInfo().catch(() => undefined);
        const check = cadvisorStoreCheck(
          info?.containerdImageStore,
          plan.services.some((s) => s.service === CADVISOR.service && s.binds.some((b) => b.hostPath === DOCKER_SOCKET)),
        );
        return info && check ? [check] : [];
      },
    ],
    [
      "loopback ports",
      async () => {
        const info = await probe.dockerInfo().catch(() => undefined);
        const check = loopbackPublishCheck(info?.serverVersion, config.bindAddress);
        return check ? [check] : [];
      },
    ],
    ["gpu", () => gpuChecks(plan, probe, running)],
    ["models", () => modelChecks(config, lock, probe, { stack: plan.stack, skipHash: options.skipModelHash })],
    ["ports", () => portChecks(plan, probe, running)],
    ["data dirs", () => directoryChecks(config, plan, probe)],
    ["build contexts", () => buildContextChecks(plan, probe)],
    ["disk", () => diskCheck(config, probe, options.minFreeGiB ?? DEFAULT_MIN_FREE_GIB)],
    ["pulumi", () => pulumiCheck(probe)],
  ];
  const results = await Promise.all(
    groups.map(([name, run]) =>
      run().then(
        (r) => (Array.isArray(r) ? r : [r]),
        (error: unknown): CheckResult[] => [
          {
            check: name,
            target: name,
            status: "fail",
            detail: `the check itself failed: ${(error as Error).message}`,
            fix: "report this; the other checks still ran",
          },
        ],
      ),
    ),
  );
  return results.flat();
}

export function doctorPassed(results: CheckResult[]): boolean {
  return results.every((r) => r.status !== "fail");
}
