/**
 * KubernetesService: one ServiceSpec on a cluster. It creates the objects
 * lib/kubernetes renders for it (nothing is decided here): a ConfigMap with its
 * rendered files and a Secret with its keys (both autonamed, so a change rolls
 * the pods), the Deployment or StatefulSet, its Service and its NetworkPolicy.
 * The workload depends on the workloads of the services it calls, and Pulumi
 * waits for each workload to be ready, so a dependent is created once its
 * dependencies pass their readiness probes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey } from "../../lib/config/schema";
import { goSeconds } from "../../lib/durations";
import { configMapObject, networkPolicyObject, secretObject, serviceObject, workloadObject } from "../../lib/kubernetes/objects";
import type { KubernetesPlan, KubernetesServicePlan } from "../../lib/kubernetes/plan";
import { secretFileContent } from "../../lib/plan/service-spec";
import { stackSecret } from "../stack-secrets";

export interface KubernetesServiceArgs {
  /** The stack's Kubernetes plan (namespace, settings). */
  plan: KubernetesPlan;
  /** This service's part of it. */
  service: KubernetesServicePlan;
  /** The namespace object; every object here is created in it. */
  namespace: k8s.core.v1.Namespace;
  /** The stack's claims by name; the workload waits for the ones it mounts. */
  claims: Record<string, k8s.core.v1.PersistentVolumeClaim>;
  /** Services this one calls, already created: its workload is created after theirs are ready. */
  dependencies: KubernetesService[];
  /** Secret values by config key; only the ones the service uses are read. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

export class KubernetesService extends pulumi.ComponentResource {
  readonly workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet;
  readonly service?: k8s.core.v1.Service;
  readonly configMap?: k8s.core.v1.ConfigMap;
  readonly secret?: k8s.core.v1.Secret;
  readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: KubernetesServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:kubernetes:Service", name, {}, opts);
    const { plan, service: s } = args;
    const namespace = args.namespace.metadata.name;
    const inNamespace = <T extends { metadata?: object }>(obj: T) => ({ ...obj, metadata: { ...obj.metadata, namespace } });

    const configMap = configMapObject(plan, s);
    if (configMap) this.configMap = new k8s.core.v1.ConfigMap(`${name}-config`, inNamespace(configMap), { parent: this });

    const secret = secretObject(plan, s);
    if (secret) {
      const { keys, ...object } = secret;
      const stringData = Object.fromEntries(
        keys.map((e) => [
          e.key,
          pulumi.secret(
            stackSecret(args.secrets, e.secret, { service: s.service, usedFor: e.env ?? e.path!, owner: this }).apply((v) =>
              e.template ? secretFileContent({ path: e.path!, content: e.template }, v) : v,
            ),
          ),
        ]),
      );
      this.secret = new k8s.core.v1.Secret(`${name}-secret`, { ...inNamespace(object), stringData }, { parent: this });
    }

    const refs = { configMap: this.configMap?.metadata.name, secret: this.secret?.metadata.name };
    const workload = inNamespace(workloadObject<pulumi.Output<string> | undefined>(plan, s, refs));
    const mounted = s.mounts.flatMap((m) => (m.source.kind === "claim" ? [args.claims[m.source.claim]!] : []));
    const timeout = goSeconds(s.timeoutSec);
    const workloadOpts: pulumi.CustomResourceOptions = {
      parent: this,
      // Fixed names: a replacement must wait for the old object to go.
      deleteBeforeReplace: true,
      dependsOn: [...args.dependencies.map((d) => d.workload), ...mounted],
      customTimeouts: { create: timeout, update: timeout },
    };
    this.workload =
      workload.kind === "StatefulSet"
        ? new k8s.apps.v1.StatefulSet(`${name}-workload`, workload as k8s.apps.v1.StatefulSetArgs, workloadOpts)
        : new k8s.apps.v1.Deployment(`${name}-workload`, workload as k8s.apps.v1.DeploymentArgs, workloadOpts);

    const service = serviceObject(plan, s);
    if (service)
      this.service = new k8s.core.v1.Service(`${name}-service`, inNamespace(service), { parent: this, deleteBeforeReplace: true });

    const policy = networkPolicyObject(plan, s);
    if (policy)
      this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, inNamespace(policy), {
        parent: this,
        deleteBeforeReplace: true,
      });

    this.registerOutputs({ workload: this.workload.metadata.name, service: this.service?.metadata.name });
  }
}
