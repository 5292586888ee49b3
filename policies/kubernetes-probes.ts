/**
 * kubernetes-probes: the Kubernetes side of container-healthchecks. Every
 * long-running container has a startupProbe (the model load), a
 * readinessProbe (Pulumi waits for it before creating dependents; the Service
 * routes on it) and a livenessProbe (a wedged server is restarted), each with a
 * handler that can fail; probe timeouts shorter than their periods; a startup
 * budget (failureThreshold x periodSeconds) that covers a model load; and
 * Pulumi's create timeout and the Deployment's progress deadline longer than
 * that budget, so neither gives up on a slow but healthy start.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { startupBudgetSec } from "../lib/kubernetes/probes";
import { probeProblem } from "./support/healthcheck-view";
import { podCheck } from "./support/kubernetes-check";
import { describePod, type K8sContainer, type K8sProbe, type PodView } from "./support/kubernetes-view";
import { isLlamaCppImage } from "./support/llama-server";

export interface KubernetesProbesConfig {
  /** Services that load a model at start-up, besides llama.cpp containers. */
  modelLoadingServices: string[];
  /** Smallest startup budget for a model-loading container, in seconds. */
  minModelStartupSec: number;
}

/** The API's defaults for unset probe fields. */
const DEFAULTS = { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 };
/** Pulumi's default create timeout for workloads (the kubernetes provider's 10 minutes). */
const PULUMI_DEFAULT_TIMEOUT_SEC = 600;

function handlerProblem(p: K8sProbe): string | undefined {
  const handlers = [p.exec, p.httpGet, p.tcpSocket, p.grpc].filter((h) => h !== undefined);
  if (handlers.length === 0) return "has no handler (exec, httpGet, tcpSocket or grpc)";
  if (!p.exec) return undefined;
  const command = p.exec.command ?? [];
  if (command.every((t) => t.trim() === "")) return "has an exec handler with no command";
  return probeProblem(["CMD", ...command]) ? `runs "${command.join(" ")}", which always passes` : undefined;
}

export function probeProblems(pod: PodView, config: KubernetesProbesConfig): string[] {
  const where = describePod(pod);
  const problems: string[] = [];
  const loadsModel = (c: K8sContainer) => isLlamaCppImage(c.image) || config.modelLoadingServices.includes(pod.service);
  let longestStartup = 0;
  for (const c of pod.mainContainers) {
    const name = `${where}, container "${c.name ?? "?"}"`;
    for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
      const probe = c[kind];
      if (!probe) {
        problems.push(
          `${name} has no ${kind}, so ${kind === "startupProbe" ? "a slow model load is cut short by the liveness probe or never bounded" : kind === "readinessProbe" ? "Pulumi and the Service treat it as ready as soon as it starts" : "a wedged server is never restarted"}. ` +
            `Fix: map its healthcheck with probesFor() (lib/kubernetes/probes.ts); the KubernetesService component does.`,
        );
        continue;
      }
      const handler = handlerProblem(probe);
      if (handler) problems.push(`${name}: its ${kind} ${handler}, so it cannot tell a working service from a broken one. Fix: use the service's healthcheck command as an exec probe.`);
      const period = probe.periodSeconds ?? DEFAULTS.periodSeconds;
      const timeout = probe.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
      if (timeout >= period) problems.push(`${name}: its ${kind} timeout (${timeout}s) is not shorter than its period (${period}s): the kubelet runs one probe at a time, so a hanging probe stretches the period and failureThreshold x periodSeconds no longer bounds the wait. Fix: make timeoutSeconds shorter than periodSeconds.`);
    }
    if (c.startupProbe) {
      const budget = startupBudgetSec({ periodSeconds: c.startupProbe.periodSeconds ?? DEFAULTS.periodSeconds, failureThreshold: c.startupProbe.failureThreshold ?? DEFAULTS.failureThreshold });
      longestStartup = Math.max(longestStartup, budget);
      if (loadsModel(c) && budget < config.minModelStartupSec) {
        problems.push(
          `${name} loads a model at start-up, but its startupProbe allows only ${budget}s (failureThreshold x periodSeconds) < ${config.minModelStartupSec}s, so the kubelet restarts it in the middle of a slow load. ` +
            `Fix: size the startup budget to the worst-case load (inference.<role>.loadTimeoutSec; probesFor() derives it).`,
        );
      }
    }
  }
  const createSec = pod.opts.customTimeouts?.createSeconds || PULUMI_DEFAULT_TIMEOUT_SEC;
  if (longestStartup > 0 && createSec <= longestStartup) {
    problems.push(
      `${where}: Pulumi's create timeout (${createSec}s${pod.opts.customTimeouts?.createSeconds ? "" : ", the provider's default"}) is not longer than its startup budget (${longestStartup}s), so \`pulumi up\` fails a start the kubelet would still wait for. ` +
        `Fix: set customTimeouts.create above the startup budget (KubernetesServicePlan.timeoutSec).`,
    );
  }
  if (pod.progressDeadlineSeconds !== undefined && longestStartup > 0 && pod.progressDeadlineSeconds <= longestStartup) {
    problems.push(
      `${where}: progressDeadlineSeconds (${pod.progressDeadlineSeconds}s) is not longer than its startup budget (${longestStartup}s), so the Deployment reports a failed rollout while the model still loads. ` +
        `Fix: set progressDeadlineSeconds above the startup budget.`,
    );
  }
  return problems;
}

export const kubernetesProbes: ResourceValidationPolicy = {
  name: "kubernetes-probes",
  description:
    "Checks that every Kubernetes container has startup, readiness and liveness probes that can fail, timeouts shorter than periods, a startup budget that covers a model load, and create timeouts and progress deadlines longer than that budget.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      modelLoadingServices: { type: "array", items: { type: "string" }, default: [] },
      minModelStartupSec: { type: "integer", minimum: 0, default: 120 },
    },
  },
  validateResource: podCheck<KubernetesProbesConfig>(probeProblems),
};
