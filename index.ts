/**
 * local-ai-suite: reads the stack's config, plans every service (pure, in
 * lib/plan) and creates them (components/). A bad config or an over-budget GPU
 * plan fails here, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { KubernetesSuite } from "./components/kubernetes/kubernetes-suite";
import { LocalAiSuite } from "./components/local-ai-suite";
import { ConfigError } from "./lib/config/errors";
import { kubernetesOutputs } from "./lib/kubernetes/outputs";
import { kubernetesPlanConfig, planKubernetes } from "./lib/kubernetes/plan";
import { parseStackConfig, rawFromPulumiConfig } from "./lib/config/load";
import { planStack } from "./lib/plan/stack-plan";
import { stackOutputs } from "./lib/plan/outputs";
import { checkBuildContexts } from "./program/build-contexts";
import { detectEngineApiVersion } from "./program/docker-engine";

export = async () => {
  const stack = pulumi.getStack();
  const project = new pulumi.Config();
  const secrets = {
    gatewayMasterKey: project.getSecret("gatewayMasterKey"),
    qdrantApiKey: project.getSecret("qdrantApiKey"),
    grafanaAdminPassword: project.getSecret("grafanaAdminPassword"),
  };
  const plan = await asRunError(async () => {
    const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()), `config of stack "${stack}"`);
    const options = { stack, projectDir: __dirname, secrets: { qdrantApiKey: secrets.qdrantApiKey !== undefined } };
    // No Docker engine to ask on a cluster: the plan is made for what a kubelet runs.
    if (config.target === "kubernetes") return { config, plan: await planStack(kubernetesPlanConfig(config), options) };
    const detectedEngineApiVersion =
      config.docker.engineApiVersion === "auto" ? await detectEngineApiVersion(new pulumi.Config("docker").get("host") ?? process.env.DOCKER_HOST) : undefined;
    return { config, plan: await planStack(config, { ...options, detectedEngineApiVersion }) };
  });

  if (plan.config.target === "kubernetes") {
    const k8sPlan = await asRunError(async () => planKubernetes(plan.plan, plan.config));
    const suite = new KubernetesSuite("suite", { plan: k8sPlan, secrets });
    return { ...kubernetesOutputs(plan.plan, k8sPlan), gatewayMasterKey: suite.gatewayMasterKey };
  }

  checkBuildContexts(plan.plan);

  const suite = new LocalAiSuite("suite", { plan: plan.plan, containerPrefix: plan.config.containerPrefix, secrets });

  return {
    ...stackOutputs(plan.plan),
    network: suite.network.name,
    gatewayMasterKey: suite.gatewayMasterKey,
  };
};

/** A config problem is the user's to fix: Pulumi prints a RunError's message alone, without a stack trace. */
async function asRunError<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
