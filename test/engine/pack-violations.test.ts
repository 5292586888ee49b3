/**
 * The pack catches what it claims to catch under the real engine, on a first
 * preview: programs that break each mandatory policy make `pulumi preview` fail
 * with that policy's name, pointing at the resource that breaks it, and no
 * other mandatory policy fires on that resource. Two kinds of programs: plain
 * @pulumi/docker containers (fixtures/raw-docker-violations) and the project's
 * own plan and components with one spec tampered with (fixtures/tampered-suite).
 */
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerPolicies } from "../../policies/policies";
import {
  cleanup,
  initStack,
  policyEvents,
  preview,
  REPO_DIR,
  tempProject,
  urnName,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";

const P2_PACK_CONFIG = path.join(REPO_DIR, "policies", "config", "p2.json");

/** Mandatory verdicts as [resource name, policy], sorted. */
function mandatoryVerdicts(run: EngineRun): [string, string][] {
  const seen = new Set<string>();
  for (const e of policyEvents(run))
    if (e.enforcementLevel === "mandatory") seen.add(JSON.stringify([urnName(e.resourceUrn), e.policyName]));
  return [...seen].map((s) => JSON.parse(s) as [string, string]).sort();
}

describe("containers written with @pulumi/docker directly", () => {
  let project: Project;
  let run: EngineRun;
  beforeAll(async () => {
    project = tempProject({ fixture: "raw-docker-violations", stacks: { dev: {} } });
    await initStack(project, "dev");
    run = await preview(project, { stack: "dev", pack: { config: P2_PACK_CONFIG } });
  }, 120_000);
  afterAll(() => project && cleanup(project));

  it("fails the preview on the mandatory violations", () => {
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/mandatory/);
  });

  it("reports each case by its policy, on the resource that breaks it, and nothing else", () => {
    const verdicts = mandatoryVerdicts(run);
    // The over-budget pair is reported once, on the bigger claim (equal here, so either).
    const overBudget = verdicts.filter(([, policy]) => policy === "gpu-vram-budget").map(([name]) => name);
    expect(overBudget.filter((n) => /^case-gpu-[ab]$/.test(n))).toHaveLength(1);
    expect(verdicts.map(([name, policy]) => [name.replace(/^case-gpu-[ab]$/, "case-gpu-a|b"), policy])).toEqual(
      [
        ["case-client", "health-gated-ordering"],
        ["case-create-before-replace", "container-delete-before-replace"],
        ["case-docker-sock", "container-host-mounts"],
        ["case-gpu-a|b", "gpu-vram-budget"],
        ["case-host-root", "container-host-mounts"],
        ["case-loki-wget-probe", "container-image-runtime"],
        ["case-qdrant-own-entrypoint", "container-image-runtime"],
        ["case-no-healthcheck", "container-healthchecks"],
        ["case-no-memory-limit", "container-limits-and-restart"],
        ["case-plain-secret", "container-secrets"],
        ["case-privileged", "container-privileges"],
        ["case-public-port", "container-ports-loopback"],
        // Published on every interface, and asking for no credential either.
        ["case-public-port", "container-published-credentials"],
        ["case-silent-cpu", "gpu-vram-budget"],
        ["case-slow-startup", "startup-critical-path"],
        ["image-debian-latest", "container-image-pinned"],
      ].sort(),
    );
  });

  it("exercises every policy the p2 config makes mandatory", () => {
    const config = JSON.parse(fs.readFileSync(P2_PACK_CONFIG, "utf8")) as Record<string, unknown>;
    const advisory = Object.entries(config).filter(
      ([, v]) => v === "advisory" || (typeof v === "object" && (v as { enforcementLevel?: string }).enforcementLevel === "advisory"),
    );
    const mandatoryPolicies = dockerPolicies.map((p) => p.name).filter((n) => !advisory.some(([k]) => k === n));
    expect([...new Set(mandatoryVerdicts(run).map(([, p]) => p))].sort()).toEqual(mandatoryPolicies.sort());
  });
});

describe("the project's own components with one spec tampered with", () => {
  const stackFile = (stack: string) =>
    (parseYaml(fs.readFileSync(path.join(REPO_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
  /** The stack file a tamper applies to: Pulumi.p2-router.yaml for the router's, else Pulumi.p2.yaml. */
  const stackOf = (tamper: string) => (tamper.startsWith("router-") ? "p2-router" : "p2");
  const CASES: [string, [string, string][]][] = [
    ["rag-forgets-qdrant", [["suite-rag-rag-container", "health-gated-ordering"]]],
    [
      "qdrant-without-healthcheck",
      [
        ["suite-rag-rag-container", "health-gated-ordering"],
        ["suite-vectors-qdrant-container", "container-healthchecks"],
      ],
    ],
    ["code-server-over-vram", [["suite-llm-inference-code-container", "gpu-vram-budget"]]],
    ["chat-server-loses-gpu", [["suite-llm-inference-chat-container", "gpu-vram-budget"]]],
    ["router-model-over-vram", [["suite-llm-inference-chat-container", "gpu-vram-budget"]]],
    ["rag-gets-docker-socket", [["suite-rag-rag-container", "container-host-mounts"]]],
    ["gateway-key-in-plain-env", [["suite-gateway-api-gateway-container", "container-secrets"]]],
  ];
  let project: Project;
  beforeAll(async () => {
    project = tempProject({
      fixture: "tampered-suite",
      stacks: Object.fromEntries(CASES.map(([tamper]) => [tamper, { ...stackFile(stackOf(tamper)), "tampered-suite:tamper": tamper }])),
    });
    for (const [tamper] of CASES) await initStack(project, tamper);
  }, 120_000);
  afterAll(() => project && cleanup(project));

  it.each(CASES)(
    "%s: the preview fails with exactly the expected verdicts",
    async (tamper, expected) => {
      const config = path.join(REPO_DIR, "policies", "config", `${stackOf(tamper)}.json`);
      const run = await preview(project, { stack: tamper, pack: { config } });
      expect(run.code, run.output).not.toBe(0);
      expect(mandatoryVerdicts(run)).toEqual([...expected].sort());
      if (tamper === "router-model-over-vram") expect(run.output).toMatch(/router, at most 1 loaded: [\d.]+ MiB = router 300 \+ code-7b/);
    },
    120_000,
  );
});
