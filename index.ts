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
import { ModelLockError } from "./lib/models/lock";
import { planStack } from "./lib/plan/stack-plan";
import { stackOutputs } from "./lib/plan/outputs";
import { checkBuildContexts, withSourceDigests } from "./program/build-contexts";
import { ContainerHealthWatch } from "./program/container-health";
import { detectEngineApiVersion } from "./program/docker-engine";
import { preChangeBackup } from "./program/pre-change-backup";
import { isUnderMocks } from "./program/runtime";
import { preChangeBackupDir } from "./lib/backup/location";
import { readProgramModelLock } from "./program/model-lock";

export = async () => {
  const stack = pulumi.getStack();
  // The daemon the docker provider talks to: its docker:host config, else DOCKER_HOST, else the local socket.
  const dockerHost = new pulumi.Config("docker").get("host") ?? process.env.DOCKER_HOST;
  const project = new pulumi.Config();
  const secrets = {
    gatewayMasterKey: project.getSecret("gatewayMasterKey"),
    qdrantApiKey: project.getSecret("qdrantApiKey"),
    qdrantReadOnlyKey: project.getSecret("qdrantReadOnlyKey"),
    grafanaAdminPassword: project.getSecret("grafanaAdminPassword"),
    inferenceApiKey: project.getSecret("inferenceApiKey"),
    serviceToken: project.getSecret("serviceToken"),
  };
  const plan = await asRunError(async () => {
    const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()), `config of stack "${stack}"`);
    const lock = readProgramModelLock(__dirname);
    const options = { stack, projectDir: __dirname, lock, secrets: { qdrantApiKey: secrets.qdrantApiKey !== undefined } };
    // No Docker engine to ask on a cluster: the plan is made for what a kubelet runs.
    if (config.target === "kubernetes") return { config, plan: planStack(kubernetesPlanConfig(config), options) };
    const detectedEngineApiVersion = config.docker.engineApiVersion === "auto" ? await detectEngineApiVersion(dockerHost) : undefined;
    return { config, plan: planStack(config, { ...options, detectedEngineApiVersion }) };
  });

  if (plan.config.target === "kubernetes") {
    const k8sPlan = await asRunError(async () => planKubernetes(plan.plan, plan.config));
    const suite = new KubernetesSuite("suite", { plan: k8sPlan, secrets });
    return { ...kubernetesOutputs(plan.plan, k8sPlan), gatewayMasterKey: suite.gatewayMasterKey };
  }

  if (!isUnderMocks()) checkBuildContexts(plan.plan);
  const dockerPlan = withSourceDigests(plan.plan);

  const suite = new LocalAiSuite("suite", {
    plan: dockerPlan,
    containerPrefix: plan.config.containerPrefix,
    secrets,
    ops: {
      // Under mocks there is no daemon to ask; the unit tests leave it out.
      healthWatch: pulumi.runtime.isDryRun() || isUnderMocks() ? undefined : new ContainerHealthWatch(dockerHost),
      preChangeBackup: preChangeBackup({
        stack,
        repoDir: __dirname,
        dir: preChangeBackupDir(plan.config, pulumi.getRootDirectory() || process.cwd(), stack),
        keep: plan.config.backup.keepBeforeChange,
        dockerHost,
      }),
    },
  });

  return {
    ...stackOutputs(dockerPlan),
    network: suite.network.name,
    health: suite.health,
    gatewayMasterKey: suite.gatewayMasterKey,
    serviceToken: suite.serviceToken,
    inferenceApiKey: suite.inferenceApiKey,
  };
};

/** A config or model-lock problem is the user's to fix: Pulumi prints a RunError's message alone, without a stack trace. */
async function asRunError<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ModelLockError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
