/**
 * LocalAiSuite: the whole stack from a StackPlan. It creates the network, the
 * named volumes, any secret the stack did not set, and one component per group
 * of services, in dependency order.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey } from "../lib/config/schema";
import { STACK_LABEL } from "../lib/plan/define-service";
import { topologicalOrder } from "../lib/plan/graph";
import { secretKeysOf, type GroupName } from "../lib/plan/service-spec";
import type { StackPlan } from "../lib/plan/stack-plan";
import { GROUP_COMPONENTS } from "./groups";
import type { Service } from "./service";
import type { ServiceOps } from "./service-ops";
import type { ServiceGroup } from "./service-group";
import { GENERATED_SECRETS, generatedSecret } from "./stack-secrets";

export interface LocalAiSuiteArgs {
  plan: StackPlan;
  /**
   * Container and network name prefix (config `containerPrefix`).
   * @default "" (no prefix)
   */
  containerPrefix?: string;
  /** Secrets the stack set. gatewayMasterKey (and grafanaAdminPassword with monitoring) are generated when absent. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
  /**
   * Health watch and pre-change backups, from the program (see ServiceOps).
   * @default none: no health verification after `up`, no backup before a change (unit tests, previews)
   */
  ops?: ServiceOps;
}

export class LocalAiSuite extends pulumi.ComponentResource {
  readonly network: docker.Network;
  /** Internal networks shared only by the services that name them (the healer and its Docker API proxy). */
  readonly privateNetworks: Record<string, docker.Network> = {};
  readonly volumes: Record<string, docker.Volume> = {};
  readonly groups: Partial<Record<GroupName, ServiceGroup>> = {};
  readonly services: Record<string, Service>;
  /** Each service's health as the `up` saw it once its container's step was done. */
  readonly health: pulumi.Output<Record<string, string>>;
  /** The gateway master key clients send as `Authorization: Bearer ...`. */
  readonly gatewayMasterKey: pulumi.Output<string>;
  /** What host clients send to RAG and the embedding service where they require it, and to the llama-servers (secret outputs). */
  readonly serviceToken: pulumi.Output<string>;
  readonly inferenceApiKey: pulumi.Output<string>;

  constructor(name: string, args: LocalAiSuiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:stack:LocalAiSuite", name, {}, opts);
    const { plan } = args;
    const prefix = args.containerPrefix ?? "";
    const labels = [{ label: STACK_LABEL, value: plan.stack }];

    this.network = new docker.Network(
      `${name}-network`,
      { name: `${prefix}local-ai-suite`, driver: "bridge", labels },
      { parent: this, deleteBeforeReplace: true },
    );

    for (const network of new Set(plan.services.flatMap((s) => s.privateNetworks ?? []))) {
      // internal: no route out; only the containers the plan puts on it can reach each other there.
      this.privateNetworks[network] = new docker.Network(
        `${name}-network-${network}`,
        { name: `${prefix}local-ai-suite-${network}`, driver: "bridge", internal: true, labels },
        { parent: this, deleteBeforeReplace: true },
      );
    }

    for (const volume of new Set(plan.services.flatMap((s) => s.volumes.map((v) => v.volume)))) {
      // retainOnDelete: a destroy or a rename never takes stored data with it.
      this.volumes[volume] = new docker.Volume(
        `${name}-volume-${volume}`,
        { name: `${prefix}${volume}`, labels },
        { parent: this, retainOnDelete: true },
      );
    }

    const secrets = { ...args.secrets };
    const needed = new Set(plan.services.flatMap((s) => secretKeysOf(s)));
    for (const key of GENERATED_SECRETS) {
      if (needed.has(key) && !secrets[key]) secrets[key] = generatedSecret(`${name}-${key}`, key, this);
    }
    this.gatewayMasterKey = pulumi.secret(secrets.gatewayMasterKey ?? pulumi.output(""));
    this.serviceToken = pulumi.secret(secrets.serviceToken ?? pulumi.output(""));
    this.inferenceApiKey = pulumi.secret(secrets.inferenceApiKey ?? pulumi.output(""));

    const created = new Map<string, Service>();
    for (const group of groupOrder(plan)) {
      const { component, part } = GROUP_COMPONENTS[group];
      const groupComponent = new component(
        `${name}-${part}`,
        {
          specs: plan.services.filter((s) => s.group === group),
          network: this.network,
          privateNetworks: this.privateNetworks,
          created,
          secrets,
          volumes: this.volumes,
          ops: args.ops,
        },
        { parent: this },
      );
      this.groups[group] = groupComponent;
      for (const [service, s] of Object.entries(groupComponent.services)) created.set(service, s);
    }
    this.services = Object.fromEntries(created);
    this.health = pulumi.all(Object.fromEntries([...created].map(([service, s]) => [service, s.health])));

    this.registerOutputs({ network: this.network.name });
  }
}

/** Groups in dependency order: a group is created once every group it talks to exists. */
function groupOrder(plan: StackPlan): GroupName[] {
  const groupOf = new Map(plan.services.map((s) => [s.service, s.group]));
  const groups = [...new Set(plan.services.map((s) => s.group))];
  const nodes = groups.map((group) => ({
    id: group,
    dependsOn: plan.services
      .filter((s) => s.group === group)
      .flatMap((s) => s.dependsOn.map((dep) => groupOf.get(dep)!))
      .filter((dep) => dep !== group),
  }));
  return topologicalOrder(nodes) as GroupName[];
}
