/** Docker daemon reachable and new enough for start_interval; the NVIDIA runtime for GPU containers. */
import type { CheckResult } from "./check-result";
import type { HostProbe } from "./host-probe";

/** start_interval (fast readiness inside the start period) needs Engine >= 25.0; older daemons ignore it. */
export const START_INTERVAL_MIN_DOCKER: [number, number] = [25, 0];
/** The reference's floor (validate_env.sh): 20.10. */
export const MIN_DOCKER: [number, number] = [20, 10];

export function parseDockerVersion(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (v: [number, number], min: [number, number]) => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

export async function dockerChecks(probe: HostProbe): Promise<CheckResult[]> {
  let info;
  try {
    info = await probe.dockerInfo();
  } catch (error) {
    const message = (error as Error).message;
    return [
      {
        check: "docker",
        target: "Docker daemon",
        status: "fail",
        detail: `not reachable: ${message}`,
        fix: "start Docker (sudo systemctl start docker, or Docker Desktop's WSL integration) and make sure your user may use it (docker group)",
      },
      {
        check: "nvidia runtime",
        target: "NVIDIA container runtime",
        status: "fail",
        detail: "cannot tell: the Docker daemon is not reachable",
        fix: "fix the docker check first",
      },
    ];
  }
  return [versionCheck(info.serverVersion, info.apiVersion), await runtimeCheck(info.runtimes, probe)];
}

/**
 * cAdvisor (v0.57) given the Docker socket (monitoring.cadvisor.dockerSocket) names containers
 * from it, except on a daemon whose images live in containerd's store: there it finds Docker's
 * containers only through containerd's socket, which the plan never gives it (root on the host),
 * and reports raw cgroups without container names or the service label, so the per-service
 * memory and CPU panels, and ContainerRestarting and ContainerMissing (cAdvisor is their source
 * then), go silent while its probe still passes. Said here, before anyone relies on them.
 * Without the socket (the default) the healer feeds those alerts and this does not apply.
 */
export function cadvisorStoreCheck(containerdImageStore: boolean | undefined, cadvisorNamesContainers: boolean): CheckResult | undefined {
  if (!cadvisorNamesContainers) return undefined;
  const target = "cAdvisor container metrics";
  if (containerdImageStore === undefined)
    return {
      check: "cadvisor",
      target,
      status: "warn",
      detail: "cannot tell which image store the Docker daemon uses",
      fix: "run docker info",
    };
  if (!containerdImageStore)
    return { check: "cadvisor", target, status: "ok", detail: "classic overlay2 image store: cAdvisor sees each container" };
  return {
    check: "cadvisor",
    target,
    status: "warn",
    detail:
      "the daemon keeps images in containerd's store, where cAdvisor v0.57 names containers only through containerd's socket, which the plan does not give it (root on the host): " +
      "per-service container metrics and the ContainerRestarting/ContainerMissing alerts stay empty; host metrics (node-exporter) and every service's own /metrics are unaffected",
    fix:
      "set monitoring.cadvisor.dockerSocket false (the healer then feeds the container alerts), or switch the daemon to the classic store " +
      '("features": {"containerd-snapshotter": false} in /etc/docker/daemon.json, then restart Docker and re-pull)',
  };
}

/** Engine 28.0 drops packets for loopback-published ports that arrive from other hosts (moby/moby#45610). */
export const LOOPBACK_PUBLISH_SAFE_DOCKER: [number, number] = [28, 0];

/**
 * Before Engine 28.0, a host on the same network segment can reach a port published on 127.0.0.1 by
 * sending to it through this machine's MAC address (moby/moby#45610, #41872: Docker's DNAT rule matches
 * any interface). The stack publishes every port on `bindAddress`; said here when that is loopback.
 */
export function loopbackPublishCheck(serverVersion: string | undefined, bindAddress: string): CheckResult | undefined {
  if (serverVersion === undefined || !bindAddress.startsWith("127.")) return undefined;
  const target = `ports published on ${bindAddress}`;
  const v = parseDockerVersion(serverVersion);
  if (v && atLeast(v, LOOPBACK_PUBLISH_SAFE_DOCKER))
    return { check: "loopback ports", target, status: "ok", detail: `Engine ${serverVersion} drops their traffic from other hosts` };
  return {
    check: "loopback ports",
    target,
    status: "warn",
    detail: `Engine ${serverVersion} forwards traffic for them from any interface: a host on the same LAN segment can reach every service (moby/moby#45610)`,
    fix: "upgrade Docker Engine to 28.0 or newer, or drop such traffic: sudo iptables -t raw -I PREROUTING ! -i lo -d 127.0.0.0/8 -j DROP",
  };
}

function versionCheck(serverVersion: string, apiVersion: string): CheckResult {
  const target = "Docker daemon";
  const v = parseDockerVersion(serverVersion);
  const detail = `Engine ${serverVersion} (API ${apiVersion})`;
  if (!v)
    return { check: "docker", target, status: "warn", detail: `${detail}: version not understood`, fix: "use Docker Engine 25 or newer" };
  if (!atLeast(v, MIN_DOCKER))
    return {
      check: "docker",
      target,
      status: "fail",
      detail: `${detail} is older than 20.10`,
      fix: "upgrade Docker Engine to 25 or newer",
    };
  if (!atLeast(v, START_INTERVAL_MIN_DOCKER)) {
    return {
      check: "docker",
      target,
      status: "warn",
      detail: `${detail}: no healthcheck start_interval (needs 25.0), so readiness is seen a whole interval late`,
      fix: "upgrade Docker Engine to 25 or newer",
    };
  }
  return { check: "docker", target, status: "ok", detail: `${detail}, start_interval supported` };
}

/** GPU containers need the NVIDIA container toolkit: a registered "nvidia" runtime or the hook Docker's --gpus calls. */
async function runtimeCheck(runtimes: string[], probe: HostProbe): Promise<CheckResult> {
  const target = "NVIDIA container runtime";
  if (runtimes.includes("nvidia")) return { check: "nvidia runtime", target, status: "ok", detail: `runtimes: ${runtimes.join(", ")}` };
  for (const tool of ["nvidia-container-runtime-hook", "nvidia-container-cli", "nvidia-ctk"]) {
    const found = await probe.which(tool);
    if (found) return { check: "nvidia runtime", target, status: "ok", detail: `${found} (used by docker --gpus)` };
  }
  return {
    check: "nvidia runtime",
    target,
    status: "fail",
    detail: `no "nvidia" runtime (runtimes: ${runtimes.join(", ") || "none"}) and no nvidia-container-toolkit on PATH`,
    fix: "install nvidia-container-toolkit, then: sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker",
  };
}
