/**
 * What `up` does to each Kubernetes object of a stack, from two Kubernetes
 * plans: the objects lib/kubernetes/objects.ts renders (what the components
 * create), diffed by the resource name the component gives each, with the
 * kubernetes provider's rule for each kind: a change to a field the API
 * server cannot change in place (a selector, a StatefulSet's serviceName or
 * pod management, a claim's spec beyond its size) replaces the object, and
 * so does new data in an autonamed ConfigMap or Secret (the provider's
 * default, which rolls the pods that mount it); anything else is an update.
 * Held to the engine by test/engine/kubernetes-review.test.ts.
 */
import type { SecretKey } from "../config/schema";
import {
  claimObject,
  configMapObject,
  defaultDenyObject,
  namespaceObject,
  networkPolicyObject,
  secretObject,
  serviceObject,
  workloadObject,
} from "../kubernetes/objects";
import type { KubernetesPlan } from "../kubernetes/plan";
import { canonicalJson } from "../plan/change-digest";
import { secretFileContent } from "../plan/service-spec";
import { contentId, type ContainerAction, type SecretVersions } from "./service-diff";

/** The component resource the KubernetesSuite is created as (index.ts); its children are named after it. */
export const KUBERNETES_SUITE_NAME = "suite";

export interface ObjectChange {
  /** The resource's name under the suite (`<service>-workload`, `claim-<name>`, `namespace`). */
  resource: string;
  kind: string;
  service?: string;
  action: ContainerAction;
  /** Top-level paths that change (`spec.template`, `data`, `metadata.labels`). */
  paths: string[];
}

interface Rendered {
  kind: string;
  service?: string;
  body: Record<string, unknown>;
}

/** Where an object's own identity lives (the provider replaces when these change). */
const IMMUTABLE: Record<string, string[]> = {
  Deployment: ["metadata.name", "spec.selector"],
  StatefulSet: ["metadata.name", "spec.selector", "spec.serviceName", "spec.podManagementPolicy", "spec.volumeClaimTemplates"],
  Service: ["metadata.name", "spec.type", "spec.clusterIP"],
  PersistentVolumeClaim: ["metadata.name", "spec.accessModes", "spec.storageClassName"],
  // Autonamed: new data is a new object, and the pods that mount it roll.
  ConfigMap: ["data"],
  Secret: ["stringData"],
  NetworkPolicy: ["metadata.name"],
  Namespace: ["metadata.name"],
};

/** Every object of the plan by its resource name; a secret's value stands as its key and version, a generated name as its content's digest. */
export function renderedObjects(k: KubernetesPlan, secrets: SecretVersions): Map<string, Rendered> {
  const out = new Map<string, Rendered>();
  const add = (resource: string, kind: string, body: object, service?: string) =>
    out.set(resource, { kind, body: body as Record<string, unknown>, ...(service ? { service } : {}) });
  add("namespace", "Namespace", namespaceObject(k));
  add("default-deny", "NetworkPolicy", defaultDenyObject(k));
  for (const claim of k.claims) add(`claim-${claim.name}`, "PersistentVolumeClaim", claimObject(k, claim));
  const version = (key: SecretKey) => `<secret ${key} ${secrets[key] ?? "generated"}>`;
  for (const s of k.services) {
    const refs: { configMap?: string; secret?: string } = {};
    const configMap = configMapObject(k, s);
    if (configMap) {
      add(`${s.service}-config`, "ConfigMap", configMap, s.service);
      refs.configMap = `configmap-${digest(configMap)}`;
    }
    const secret = secretObject(k, s);
    if (secret) {
      const { keys, ...object } = secret;
      // A secret by its version, in its file's template where it has one: a template change changes the data too.
      const body = {
        ...object,
        stringData: Object.fromEntries(
          keys.map((e) => [
            e.key,
            e.template ? secretFileContent({ path: e.path!, content: e.template }, version(e.secret)) : version(e.secret),
          ]),
        ),
      };
      add(`${s.service}-secret`, "Secret", body, s.service);
      refs.secret = `secret-${digest(body)}`;
    }
    const workload = workloadObject(k, s, refs);
    add(`${s.service}-workload`, workload.kind, workload, s.service);
    const service = serviceObject(k, s);
    if (service) add(`${s.service}-service`, "Service", service, s.service);
    const policy = networkPolicyObject(k, s);
    if (policy) add(`${s.service}-ingress`, "NetworkPolicy", policy, s.service);
  }
  return out;
}

/** A stand-in for the provider's random suffix of an autonamed object: it changes exactly when the content does. */
const digest = (value: unknown) => contentId(canonicalJson(value));

function at(body: Record<string, unknown>, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), body);
}

function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const top of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[top];
    const a = after[top];
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) continue;
    const nested = a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a);
    if (!nested) paths.push(top);
    else
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
        if (canonicalJson((a as Record<string, unknown>)[key] ?? null) !== canonicalJson((b as Record<string, unknown>)[key] ?? null))
          paths.push(`${top}.${key}`);
  }
  return paths.sort();
}

export function diffKubernetes(
  base: KubernetesPlan,
  head: KubernetesPlan,
  secrets: { before: SecretVersions; after: SecretVersions },
): ObjectChange[] {
  const before = renderedObjects(base, secrets.before);
  const after = renderedObjects(head, secrets.after);
  const changes: ObjectChange[] = [];
  for (const resource of new Set([...after.keys(), ...before.keys()])) {
    const b = before.get(resource);
    const a = after.get(resource);
    const who = (a ?? b)!;
    const row = { resource, kind: who.kind, ...(who.service ? { service: who.service } : {}) };
    if (!b) changes.push({ ...row, action: "create", paths: [] });
    else if (!a) changes.push({ ...row, action: "delete", paths: [] });
    else if (a.kind !== b.kind) {
      // Another resource type under the same name: the engine creates the new one and deletes the old.
      changes.push({ ...row, action: "create", paths: ["kind"] }, { ...row, kind: b.kind, action: "delete", paths: ["kind"] });
    } else {
      const paths = changedPaths(b.body, a.body);
      const replaces = (IMMUTABLE[a.kind] ?? []).some((p) => canonicalJson(at(a.body, p) ?? null) !== canonicalJson(at(b.body, p) ?? null));
      changes.push({ ...row, action: paths.length === 0 ? "none" : replaces ? "replace" : "update", paths });
    }
  }
  return changes;
}
