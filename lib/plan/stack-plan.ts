/**
 * planStack: stack config + model lock -> every service spec, the GPU plan and
 * the endpoints, as plain data. Pure and synchronous (no file system, no
 * network): a preview anywhere plans what `up` on the GPU host applies. The
 * Pulumi program, the policy pack's tests and the operations tasks all start
 * from this one function.
 */
import { ConfigError, type ConfigProblem } from "../config/errors";
import type { StackConfig } from "../config/schema";
import { committedImageLock, withLockedDigest, type ImageLock } from "../images-lock";
import type { ModelLock } from "../models/lock";
import { modelLockProblems } from "../models/stack-models";
import { planContext, publishedHost, type PlanContextOptions } from "./define-service";
import { planGateway } from "./gateway";
import { planGpus, type GpuPlan } from "./gpu-plan";
import { dockerApiProxyWatched, planDockerApiProxy } from "./docker-api-proxy";
import { planHealer } from "./healer";
import { DependencyCycleError, topologicalOrder } from "./graph";
import { planInferenceServer } from "./inference";
import { planMonitoringStack } from "./monitoring";
import { planQdrant } from "./qdrant";
import { callerKeyProblems, requiredKeys } from "./caller-keys";
import { planEmbedding, planEmbeddingServer } from "./embedding";
import { planRag } from "./rag";
import type { ServiceSpec } from "./service-spec";
import { planMcpServer } from "./mcp";
import { planMemoryApi, planMemoryMaintainer } from "./memory";

/** Which optional secrets the stack has set (values never enter the plan). */
export interface StackSecrets {
  qdrantApiKey: boolean;
}

export interface Endpoint {
  /** The service name for its first port, `<service>-<container port>` for others (e.g. qdrant-6334). */
  name: string;
  service: string;
  url: string;
  configKey: string;
}

/** An endpoint's name: the service name for its first published port, `<service>-<container port>` for the others. */
export function portEndpointName(service: string, portIndex: number, containerPort: number): string {
  return portIndex === 0 ? service : `${service}-${containerPort}`;
}

export interface StackPlan {
  stack: string;
  phase: StackConfig["phase"];
  /** Services in start order: every service after the ones it depends on. */
  services: ServiceSpec[];
  gpuPlan: GpuPlan;
  endpoints: Endpoint[];
}

export interface PlanOptions extends PlanContextOptions {
  /** The model lock (models.lock.json): the only source of model facts. */
  lock: ModelLock;
  secrets?: Partial<StackSecrets>;
  /** The image lock: registry images are pulled by the digests it pins. Default: the committed images.lock.json. */
  imageLock?: ImageLock;
}

export function planStack(config: StackConfig, options: PlanOptions): StackPlan {
  const ctx = planContext(config, options);
  // Qdrant is keyed when the stack sets its key, or asks for one (generated then).
  const given: StackSecrets = { qdrantApiKey: false, ...options.secrets };
  const secrets: StackSecrets = { ...given, qdrantApiKey: given.qdrantApiKey || config.qdrant.requireKey };
  const lockProblems = modelLockProblems(config, options.lock);
  if (lockProblems.length) throw new ConfigError(lockProblems, `models of stack "${options.stack}"`);
  const gpuPlan = planGpus(config, options.lock);

  const core = [
    planInferenceServer(ctx, "chat", gpuPlan.layers.chat, gpuPlan.routerLayers.chat),
    planInferenceServer(ctx, "code", gpuPlan.layers.code, gpuPlan.routerLayers.code),
    planGateway(ctx),
    planQdrant(ctx, secrets.qdrantApiKey),
    planEmbeddingServer(ctx),
    planEmbedding(ctx),
    planRag(ctx, { gatewayRequiresKey: config.gateway.requireKey, hasQdrantApiKey: secrets.qdrantApiKey }),
    ...(config.mcp.enabled ? [planMcpServer(ctx)] : []),
    ...(config.memory.enabled ? [planMemoryApi(ctx), planMemoryMaintainer(ctx)] : []),
    ...planHealer(ctx),
  ];
  // Monitoring needs no secret flags: a service whose metrics need a token says so in its `metrics`.
  const watched = [...core, ...planMonitoringStack(ctx, [...core, ...dockerApiProxyWatched(ctx)])];
  // Last: the proxy's allowlist names every container the healer may restart.
  const imageLock = options.imageLock ?? committedImageLock();
  const services = [...watched, ...planDockerApiProxy(ctx, watched)].map((s) => pinnedByLock(s, imageLock));
  checkPlan(services, callerKeyProblems(services, requiredKeys(config, secrets)));

  const order = topologicalOrder(services.map((s) => ({ id: s.service, dependsOn: s.dependsOn })));
  const byName = new Map(services.map((s) => [s.service, s]));
  const host = publishedHost(config);
  return {
    stack: options.stack,
    phase: config.phase,
    services: order.map((name) => byName.get(name)!),
    gpuPlan,
    endpoints: services.flatMap((s) =>
      s.ports.map((p, i) => ({
        name: portEndpointName(s.service, i, p.internal),
        service: s.service,
        url: `http://${host}:${p.external}`,
        configKey: p.configKey,
      })),
    ),
  };
}

/** A registry image pulled by the digest the image lock pins for its tag, where it pins one. */
function pinnedByLock(spec: ServiceSpec, lock: ImageLock): ServiceSpec {
  if (spec.image.kind !== "registry") return spec;
  const ref = withLockedDigest(spec.image.ref, lock);
  return ref === spec.image.ref ? spec : { ...spec, image: { ...spec.image, ref } };
}

/** Stack-wide rules no single section can check: unique host ports, dependencies on deployed services only, no cycles. */
function checkPlan(services: ServiceSpec[], problems: ConfigProblem[]): void {
  const portOwner = new Map<number, string>();
  for (const port of services.flatMap((s) => s.ports)) {
    const owner = portOwner.get(port.external);
    if (owner) {
      problems.push({
        key: port.configKey,
        value: port.external,
        allowed: `host port ${port.external} is already used by ${owner}; every published port must be unique`,
        fix: `pulumi config set --path '${port.configKey}' <a free port>`,
      });
    } else {
      portOwner.set(port.external, port.configKey);
    }
  }
  const names = new Set(services.map((s) => s.service));
  for (const s of services) {
    for (const dep of s.dependsOn) {
      if (!names.has(dep)) {
        problems.push({
          key: s.service,
          value: dep,
          allowed: `${s.service} depends on ${dep}, which this stack does not deploy`,
          fix: `enable ${dep} in the config`,
        });
      }
    }
  }
  try {
    topologicalOrder(services.map((s) => ({ id: s.service, dependsOn: s.dependsOn })));
  } catch (error) {
    if (!(error instanceof DependencyCycleError)) throw error;
    problems.push({ key: error.cycle[0], value: error.cycle, allowed: error.message, fix: "break the cycle" });
  }
  if (problems.length) throw new ConfigError(problems, "stack plan");
}
