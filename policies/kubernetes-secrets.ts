/**
 * kubernetes-secrets: the Kubernetes side of container-secrets. A secret
 * reaches a pod only from a Secret (env valueFrom.secretKeyRef or a Secret
 * volume), never as a literal env value, a ConfigMap value or an argument,
 * which the workload and ConfigMap objects store in plain text in Pulumi's
 * state and in etcd. A Secret keeps its data a secret output (the provider
 * marks data and stringData; a Secret made another way might not), and a
 * value known at preview is not a default or weak one. A value not known yet
 * comes from another resource (a generated password); it is judged once known.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { knownPart, rethrowUnknown } from "./support/known";
import { podView, describePod, K8S, type PodView } from "./support/kubernetes-view";
import { isSecretEnvName, redact, secretArgs, secretLiteralsInText, weaknessOf } from "./support/secret-values";

export interface KubernetesSecretsConfig {
  minLength: number;
  extraSecretEnvNames: string[];
  placeholderValues: string[];
  extraWeakValues: string[];
}

export function podSecretProblems(pod: PodView, config: KubernetesSecretsConfig): string[] {
  const problems: string[] = [];
  for (const c of pod.containers) {
    const name = `${describePod(pod)}, container "${c.name ?? "?"}"`;
    for (const env of c.env ?? []) {
      if (!env.name || !isSecretEnvName(env.name, config.extraSecretEnvNames)) continue;
      if (env.value !== undefined) {
        problems.push(`${name} sets secret ${env.name} as a literal env value (${redact(env.value)}), stored in plain text in the ${pod.kind} (Pulumi state, etcd, kubectl get -o yaml). Fix: take it from a Secret (env valueFrom.secretKeyRef; secretEnv in its ServiceSpec does).`);
      } else if (env.valueFrom?.configMapKeyRef) {
        problems.push(`${name} reads secret ${env.name} from ConfigMap "${env.valueFrom.configMapKeyRef.name ?? "?"}", which is stored in plain text. Fix: move it to a Secret (valueFrom.secretKeyRef).`);
      }
    }
    for (const arg of secretArgs([...(c.command ?? []), ...(c.args ?? [])], config.placeholderValues)) {
      problems.push(`${name} passes a secret on the command line (${arg}), stored in plain text and visible in the pod spec. Fix: pass it as an env var from a Secret.`);
    }
  }
  return problems;
}

interface DataProps {
  metadata?: { name?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export const kubernetesSecrets: ResourceValidationPolicy = {
  name: "kubernetes-secrets",
  description:
    "Checks that Kubernetes pods get secrets only from Secrets (no literal env values, ConfigMap values or arguments), that ConfigMaps hold no secret literals, and that Secrets are secret outputs with no default or weak values.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      minLength: { type: "integer", minimum: 8, default: 16 },
      extraSecretEnvNames: { type: "array", items: { type: "string" }, default: [] },
      placeholderValues: { type: "array", items: { type: "string" }, default: ["sk-no-key-required"] },
      extraWeakValues: { type: "array", items: { type: "string" }, default: [] },
    },
  },
  validateResource: (args, reportViolation) => {
    const config = args.getConfig<KubernetesSecretsConfig>();
    if (args.type === K8S.CONFIGMAP || args.type === K8S.SECRET) {
      const { value, unknown } = knownPart(args.props as DataProps);
      const object = `${args.type === K8S.SECRET ? "Secret" : "ConfigMap"} "${value.metadata?.name ?? args.name}"`;
      if (args.type === K8S.CONFIGMAP) {
        for (const [key, text] of Object.entries(value.data ?? {})) {
          for (const literal of secretLiteralsInText(text, config.placeholderValues)) {
            reportViolation(`${object} key ${key} holds a secret literal at ${literal.where}, stored in plain text. Fix: move the value to a Secret and reference it (LiteLLM: os.environ/NAME; Grafana: $__env{NAME}).`);
          }
        }
      } else {
        const secretOutputs = args.opts.additionalSecretOutputs ?? [];
        if (!secretOutputs.includes("data") || !secretOutputs.includes("stringData")) {
          reportViolation(`${object} does not keep data and stringData as secret outputs, so its values can land in Pulumi's state in plain text. Fix: create it with k8s.core.v1.Secret (the provider marks both), or add them to additionalSecretOutputs.`);
        }
        const values = [
          ...Object.entries(value.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")] as const),
          ...Object.entries(value.stringData ?? {}),
        ];
        for (const [key, text] of values) {
          const weakness = weaknessOf(text, config.minLength, config.extraWeakValues);
          if (weakness) reportViolation(`${object}: key ${key} is weak: ${weakness}. Fix: pulumi config set --secret <key> "$(openssl rand -hex 24)", or unset it so the stack generates one.`);
        }
      }
      // A Secret value from another resource (a generated password) is unknown until it exists: judged once known.
      rethrowUnknown(unknown.filter((u) => !(args.type === K8S.SECRET && /^(data|stringData)(\.|$)/.test(u.path))), ["data", "metadata"]);
      return;
    }
    const pod = podView(args);
    if (!pod) return args.notApplicable("applies to Kubernetes pods, ConfigMaps and Secrets only");
    for (const problem of podSecretProblems(pod, config)) reportViolation(problem);
    rethrowUnknown(pod.unknown, ["spec", "metadata"]);
  },
};
