/**
 * ServiceGroup: the shared body of the suite's group components (components/
 * groups.ts). Each creates one Service per spec, wired to the services it
 * depends on, which the stack has already created.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../lib/plan/service-spec";
import { Service, type ServiceArgs } from "./service";

export interface ServiceGroupArgs {
  /** The group's services, in start order. */
  specs: ServiceSpec[];
  /** The stack network every container joins. */
  network: docker.Network;
  /**
   * Private networks by the plan's names, for the specs' privateNetworks.
   * @default {} (a spec that names one then fails with the network's name)
   */
  privateNetworks?: ServiceArgs["privateNetworks"];
  /** Services of earlier groups, by service name: the ones this group's services depend on must be among them. */
  created: ReadonlyMap<string, Service>;
  /** Secret values by config key (see ServiceArgs.secrets). */
  secrets: ServiceArgs["secrets"];
  /**
   * Named volumes by volume name, for the specs' volumes.
   * @default {} (a spec that names a volume then fails with the volume's name)
   */
  volumes?: ServiceArgs["volumes"];
  /**
   * Health watch and pre-change backup, from the program.
   * @default none: no health verification after `up`, no backup before a change (unit tests, previews)
   */
  ops?: ServiceArgs["ops"];
}

export abstract class ServiceGroup extends pulumi.ComponentResource {
  /** This group's services, by service name, in start order. */
  readonly services: Record<string, Service> = {};

  protected constructor(type: string, name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    for (const spec of args.specs) {
      const dependencies = spec.dependsOn.map((dep) => {
        const created = this.services[dep] ?? args.created.get(dep);
        if (!created)
          throw new pulumi.ResourceError(
            `${spec.service} depends on ${dep}, which is not created yet (the plan orders the groups; is ${dep} in the plan?)`,
            this,
          );
        return created;
      });
      this.services[spec.service] = new Service(
        `${name}-${spec.service}`,
        {
          spec,
          network: args.network,
          privateNetworks: args.privateNetworks,
          dependencies,
          secrets: args.secrets,
          volumes: args.volumes,
          ops: args.ops,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ containers: Object.fromEntries(Object.entries(this.services).map(([k, s]) => [k, s.container.name])) });
  }
}
