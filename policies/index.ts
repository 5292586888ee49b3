/**
 * The pack the Pulumi CLI loads (`--policy-pack policies`). Constructing a
 * PolicyPack starts the analyzer server, so tests import ./policies instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("local-ai-suite-guard", {
  description: "Healthchecks, health-gated ordering, per-GPU VRAM budgets and container safety for local-ai-suite.",
  policies,
});
