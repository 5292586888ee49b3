/** Host ports free, bind directories present and writable, disk space, and the pulumi CLI. */
import * as path from "node:path";
import type { StackConfig } from "../../lib/config/schema";
import type { StackPlan } from "../../lib/plan/stack-plan";
import type { CheckResult } from "./check-result";
import type { HostProbe } from "./host-probe";

/** The reference's deployment checklist asks for 20 GB free before deploying. */
export const DEFAULT_MIN_FREE_GIB = 20;

export async function portChecks(plan: StackPlan, probe: HostProbe, runningContainers: string[]): Promise<CheckResult[]> {
  const ports = plan.services.flatMap((s) => s.ports.map((p) => ({ service: s, port: p })));
  return Promise.all(
    ports.map(async ({ service, port }): Promise<CheckResult> => {
      const target = `${port.ip}:${port.external}`;
      const check = `port (${service.service})`;
      let inUse: boolean;
      try {
        inUse = await probe.portInUse(port.ip, port.external);
      } catch (error) {
        return {
          check,
          target,
          status: "fail",
          detail: `cannot bind: ${(error as Error).message}`,
          fix: `check bindAddress (${port.ip}) is an address of this host`,
        };
      }
      if (!inUse) return { check, target, status: "ok", detail: `free (${port.configKey})` };
      if (runningContainers.includes(service.containerName))
        return { check, target, status: "ok", detail: `held by this stack's ${service.containerName}` };
      return {
        check,
        target,
        status: "fail",
        detail: `in use by another process (${port.configKey})`,
        fix: `stop it (ss -ltnp 'sport = :${port.external}' shows which) or move the service: pulumi config set --path '${port.configKey}' <free port>`,
      };
    }),
  );
}

/** Every host path the containers mount: read-only ones must exist, writable ones must exist and be writable. */
export async function directoryChecks(config: StackConfig, plan: StackPlan, probe: HostProbe): Promise<CheckResult[]> {
  const binds = new Map<string, { writable: boolean; services: string[] }>();
  for (const s of plan.services) {
    for (const b of s.binds) {
      const entry = binds.get(b.hostPath) ?? { writable: false, services: [] };
      entry.writable ||= !b.readOnly;
      entry.services.push(s.service);
      binds.set(b.hostPath, entry);
    }
  }
  return Promise.all(
    [...binds].map(async ([hostPath, { writable, services }]): Promise<CheckResult> => {
      const check = writable ? "data dir" : "mounted path";
      const users = `for ${[...new Set(services)].join(", ")}`;
      const stat = await probe.stat(hostPath);
      if (!stat.exists) {
        // Docker would create a missing directory as root, and a non-root container could not write into it.
        const ours = writable || hostPath.startsWith(`${config.paths.dataDir}/`);
        const fix = ours
          ? `mkdir -p ${hostPath}`
          : "provide it before deploying (the containers only read it): fix the config key that points here, or for a system path (/var/lib/docker, /var/run/docker.sock) start Docker";
        return { check, target: hostPath, status: "fail", detail: `missing (${users})`, fix };
      }
      if (writable && stat.isDirectory && !stat.writable) {
        return {
          check,
          target: hostPath,
          status: "fail",
          detail: `not writable (${users})`,
          fix: `sudo chown -R $(id -u):$(id -g) ${hostPath}`,
        };
      }
      return { check, target: hostPath, status: "ok", detail: `${writable ? "writable" : "present"} (${users})` };
    }),
  );
}

export async function diskCheck(config: StackConfig, probe: HostProbe, minFreeGiB = DEFAULT_MIN_FREE_GIB): Promise<CheckResult> {
  const { dataDir } = config.paths;
  const existing = await nearestExisting(dataDir, probe);
  const free = (await probe.freeBytes(existing)) / 1024 ** 3;
  const where = existing === dataDir ? dataDir : `${dataDir} (measured on ${existing})`;
  const detail = `${free.toFixed(1)} GiB free, need ${minFreeGiB} GiB`;
  if (free < minFreeGiB)
    return { check: "disk", target: where, status: "fail", detail, fix: "free space there, or move paths.dataDir to a larger disk" };
  return { check: "disk", target: where, status: "ok", detail };
}

export async function pulumiCheck(probe: HostProbe): Promise<CheckResult> {
  const found = await probe.which("pulumi");
  if (found) return { check: "pulumi", target: "pulumi CLI", status: "ok", detail: found };
  return {
    check: "pulumi",
    target: "pulumi CLI",
    status: "fail",
    detail: "not on PATH",
    fix: "install the Pulumi CLI (https://www.pulumi.com/docs/install/) and open a new shell",
  };
}

async function nearestExisting(p: string, probe: HostProbe): Promise<string> {
  let current = p;
  while (!(await probe.stat(current)).exists && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}
