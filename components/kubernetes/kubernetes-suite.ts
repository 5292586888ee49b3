/**
 * KubernetesSuite: the whole stack on a cluster, from the same StackPlan the
 * Docker target deploys. It creates the namespace, the default-deny
 * NetworkPolicy, the PersistentVolumeClaims, any secret the stack did not set,
 * and one KubernetesService per service, in dependency order. The namespace
 * and the claims are retained on destroy: `pulumi destroy` removes the
 * workloads and keeps the data (deleting a namespace would delete its claims).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey } from "../../lib/config/schema";
import { claimObject, defaultDenyObject, namespaceObject } from "../../lib/kubernetes/objects";
import type { KubernetesPlan } from "../../lib/kubernetes/plan";
import { KubernetesService } from "./kubernetes-service";
import { GENERATED_SECRETS, generatedSecret } from "../stack-secrets";

export interface KubernetesSuiteArgs {
  /** planKubernetes() of the stack plan. */
  plan: KubernetesPlan;
  /** Secrets the stack set. gatewayMasterKey and grafanaAdminPassword are generated when needed and absent. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

export class KubernetesSuite extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  readonly claims: Record<string, k8s.core.v1.PersistentVolumeClaim> = {};
  readonly services: Record<string, KubernetesService> = {};
  /** The gateway master key clients send as `Authorization: Bearer ...` (empty when no service needs it). */
  readonly gatewayMasterKey: pulumi.Output<string>;

  constructor(name: string, args: KubernetesSuiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:kubernetes:KubernetesSuite", name, {}, opts);
    const { plan } = args;

    // Kept on destroy: deleting the namespace would delete the claims in it.
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, namespaceObject(plan), { parent: this, retainOnDelete: true });
    const namespace = this.namespace.metadata.name;
    const inNamespace = <T extends { metadata?: object }>(obj: T) => ({ ...obj, metadata: { ...obj.metadata, namespace } });

    new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, inNamespace(defaultDenyObject(plan)), {
      parent: this,
      deleteBeforeReplace: true,
    });

    for (const claim of plan.claims) {
      // retainOnDelete: a destroy or a rename never takes stored data with it.
      this.claims[claim.name] = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-claim-${claim.name}`,
        inNamespace(claimObject(plan, claim)),
        {
          parent: this,
          retainOnDelete: true,
        },
      );
    }

    const secrets = { ...args.secrets };
    const needed = new Set(plan.services.flatMap((s) => s.secrets.map((e) => e.secret)));
    for (const key of GENERATED_SECRETS) {
      if (needed.has(key) && !secrets[key]) secrets[key] = generatedSecret(`${name}-${key}`, key, this);
    }
    this.gatewayMasterKey = pulumi.secret(secrets.gatewayMasterKey ?? pulumi.output(""));

    for (const service of plan.services) {
      const dependencies = service.spec.dependsOn.map((dep) => {
        const created = this.services[dep];
        if (!created)
          throw new pulumi.ResourceError(
            `${service.service} depends on ${dep}, which is not created yet (the plan lists services in start order)`,
            this,
          );
        return created;
      });
      this.services[service.service] = new KubernetesService(
        `${name}-${service.service}`,
        { plan, service, namespace: this.namespace, claims: this.claims, dependencies, secrets },
        { parent: this },
      );
    }

    this.registerOutputs({ namespace, claims: Object.keys(this.claims) });
  }
}
