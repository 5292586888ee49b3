/**
 * local-ai-suite: reads the stack's config, plans every service (pure, in
 * lib/plan) and creates them (components/). A bad config or an over-budget GPU
 * plan fails here, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { LocalAiSuite } from "./components/local-ai-suite";
import { parseStackConfig, rawFromPulumiConfig } from "./lib/config/load";
import { planStack } from "./lib/plan/stack-plan";
import { stackOutputs } from "./lib/plan/outputs";

export = async () => {
  const stack = pulumi.getStack();
  const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()), `config of stack "${stack}"`);
  const project = new pulumi.Config();
  const secrets = {
    gatewayMasterKey: project.getSecret("gatewayMasterKey"),
    qdrantApiKey: project.getSecret("qdrantApiKey"),
    grafanaAdminPassword: project.getSecret("grafanaAdminPassword"),
  };
  const plan = await planStack(config, {
    stack,
    projectDir: process.cwd(),
    secrets: { qdrantApiKey: secrets.qdrantApiKey !== undefined },
  });

  const suite = new LocalAiSuite("suite", { plan, containerPrefix: config.containerPrefix, secrets });

  return {
    ...stackOutputs(plan),
    network: suite.network.name,
    gatewayMasterKey: suite.gatewayMasterKey,
  };
};
