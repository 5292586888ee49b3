/**
 * ServiceGroup: the shared body of the suite's components (InferencePair,
 * Gateway, VectorStore, ...). Each creates one Service per spec, wired to the
 * services it depends on, which the stack has already created.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../lib/plan/service-spec";
import { Service, type ServiceArgs } from "./service";

export interface ServiceGroupArgs {
  /** The group's services, in start order. */
  specs: ServiceSpec[];
  network: docker.Network;
  /** Services created so far, by service name; the group adds its own. */
  registry: Map<string, Service>;
  secrets: ServiceArgs["secrets"];
  volumes?: ServiceArgs["volumes"];
  ops?: ServiceArgs["ops"];
}

export abstract class ServiceGroup extends pulumi.ComponentResource {
  readonly services: Record<string, Service> = {};

  protected constructor(type: string, name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    for (const spec of args.specs) {
      const dependencies = spec.dependsOn.map((dep) => {
        const created = args.registry.get(dep);
        if (!created) throw new Error(`${spec.service} depends on ${dep}, which is not created yet (order the groups)`);
        return created;
      });
      const service = new Service(
        `${name}-${spec.service}`,
        { spec, network: args.network, dependencies, secrets: args.secrets, volumes: args.volumes, ops: args.ops },
        { parent: this },
      );
      this.services[spec.service] = service;
      args.registry.set(spec.service, service);
    }
    this.registerOutputs({ containers: Object.fromEntries(Object.entries(this.services).map(([k, s]) => [k, s.container.name])) });
  }
}
