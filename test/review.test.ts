/** The stateless review (lib/review): what a change does to the running stack, from two plans alone. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/errors";
import { kubernetesPlanConfig, planKubernetes } from "../lib/kubernetes/plan";
import { planStack } from "../lib/plan/stack-plan";
import { reviewExitCode, reviewMarkdown } from "../lib/review/markdown";
import { buildReview, type PlanOutcome } from "../lib/review/review";
import { loadStackFile } from "../ops/stack-file";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";

function outcome(stack: string, sets: string[] = []): PlanOutcome {
  try {
    const config = loadStackFile(stack, PROJECT_DIR, sets);
    const options = { stack, projectDir: PROJECT_DIR, lock: REPO_LOCK };
    if (config.target !== "kubernetes") return { plan: planStack(config, options), config };
    const planned = kubernetesPlanConfig(config);
    const plan = planStack(planned, options);
    return { plan, config: planned, kubernetes: planKubernetes(plan, planned) };
  } catch (error) {
    if (error instanceof ConfigError) return { refusal: error.message };
    throw error;
  }
}

describe("review of p2's coder context 1024 -> 2048 (the issue's example)", () => {
  const review = buildReview("p2", outcome("p2"), outcome("p2", ["inference.code.ctxSize=2048"]));

  it("replaces inference-code alone, delete-first, with its callers failing over to inference-chat", () => {
    expect(review.changes.map((c) => [c.service, c.action, c.fields.map((f) => f.field)])).toEqual([
      ["inference-code", "replace", ["command"]],
    ]);
    const [code] = review.changes;
    expect(code).toMatchObject({
      deleteBeforeReplace: true,
      backupFirst: false,
      failover: "code-7b requests fail over to inference-chat while it restarts",
    });
    expect(code!.fields[0]!.after).toContain("--ctx-size 2048");
  });

  it("bounds its downtime by its stop grace and its wait for healthy", () => {
    const spec = outcome("p2", ["inference.code.ctxSize=2048"]) as {
      plan: { services: { service: string; lifecycle: { stopGraceSec: number; waitTimeoutSec: number } }[] };
    };
    const { lifecycle } = spec.plan.services.find((s) => s.service === "inference-code")!;
    expect(review.changes[0]!.downtimeBoundSec).toBe(lifecycle.stopGraceSec + lifecycle.waitTimeoutSec);
  });

  it("shows GPU 0 from its planned 5642 MiB to the new figure against the 5741 MiB budget, with the verdict", () => {
    expect(review.gpus).toEqual([{ id: "0", budgetMiB: 5741, beforeMiB: 5642, afterMiB: expect.any(Number), fits: true }]);
    expect(review.gpus[0]!.afterMiB).toBeGreaterThan(5642);
    const text = reviewMarkdown(review);
    expect(text).toMatch(/GPU 0: 5642 MiB -> [\d.]+ MiB of 5741 MiB; gpu-vram-budget: passes/);
    expect(text).toMatch(
      /\| inference-code \| replace \| gone up to \d+ s, delete-before-replace; code-7b requests fail over to inference-chat/,
    );
    expect(reviewExitCode(review)).toBe(0);
  });
});

describe("review of a plan the program refuses (the coder at 4096)", () => {
  const review = buildReview("p2", outcome("p2"), outcome("p2", ["inference.code.ctxSize=4096"]));

  it("is reviewed as the refusal, with the figures and the error, and exits non-zero", () => {
    expect(review.refusal).toMatch(/GPU "0" needs ~[\d.]+ MiB but its budget is 5741 MiB/);
    expect(review.gpus).toEqual([{ id: "0", budgetMiB: 5741, beforeMiB: 5642, afterMiB: undefined, fits: false }]);
    expect(reviewMarkdown(review)).toContain("**The program refuses this plan**");
    expect(reviewExitCode(review)).toBe(1);
  });
});

describe("review of changes that touch no container, or several", () => {
  it("leaves every container when nothing the containers get changes", () => {
    const review = buildReview("p2", outcome("p2"), outcome("p2"));
    expect(review.changes).toEqual([]);
    expect(reviewMarkdown(review)).toContain("`up` leaves every container as it is.");
  });

  it("names env changes, never a secret's value; a memory limit is an update in place, after the pre-change backup", () => {
    const review = buildReview("p2", outcome("p2"), outcome("p2", ["timeouts.qdrant=45", "qdrant.memoryMiB=3072"]));
    const qdrant = review.changes.find((c) => c.service === "qdrant")!;
    // The provider runs `docker update` for memory and swap: no restart, no failover needed.
    expect(qdrant).toMatchObject({ action: "update", backupFirst: true, properties: ["memory", "memorySwap"] });
    const rag = review.changes.find((c) => c.service === "rag")!;
    expect(rag).toMatchObject({ action: "replace", properties: ["envs"] });
    expect(rag.fields.map((f) => f.field)).toEqual(["env"]);
    expect(rag.fields[0]!.after).toContain("QDRANT_TIMEOUT=45");
    const text = reviewMarkdown(review);
    expect(text).toMatch(/\| qdrant \| update in place \| no restart \(memory, memorySwap: .*\); a pre-change backup runs first/);
    expect(text).not.toMatch(/sk-|RAG_LLM_API_KEY=/);
  });

  it("replaces a data-holding container after its backup, and says who loses it", () => {
    const review = buildReview("p2", outcome("p2"), outcome("p2", ["qdrant.cpus=1.5"]));
    const qdrant = review.changes.find((c) => c.service === "qdrant")!;
    expect(qdrant).toMatchObject({ action: "replace", backupFirst: true, properties: ["cpus"] });
    expect(qdrant.failover).toMatch(/^no failover: .*rag.* loses? qdrant/);
  });

  it("replaces for a healthcheck change, which the provider would only record in state (replaceOnChanges)", () => {
    const review = buildReview("p2", outcome("p2"), outcome("p2", ["inference.chat.loadTimeoutSec=900"]));
    const chat = review.changes.find((c) => c.service === "inference-chat")!;
    expect(chat.action).toBe("replace");
    expect(chat.properties).toContain("healthcheck");
  });

  it("replaces every container that reads a rotated secret, and names only the secret", () => {
    const head = outcome("p2") as Extract<PlanOutcome, { plan: unknown }>;
    const review = buildReview("p2", outcome("p2"), { ...head, secrets: { gatewayMasterKey: "3f2a9c" } });
    const readers = head.plan.services
      .filter((s) => Object.values(s.secretEnv).includes("gatewayMasterKey") || s.files.some((f) => f.secret === "gatewayMasterKey"))
      .map((s) => s.service);
    expect(readers.length).toBeGreaterThan(1);
    expect(review.changes.map((c) => [c.service, c.action, c.fields.map((f) => f.field)])).toEqual(
      readers.map((s) => [s, "replace", ["secret gatewayMasterKey"]]),
    );
    expect(reviewMarkdown(review)).toContain("secret gatewayMasterKey");
  });

  it("follows the startup critical path", () => {
    const review = buildReview("p2", outcome("p2"), outcome("p2", ["inference.chat.loadTimeoutSec=900"]));
    expect(review.criticalPath.after!.seconds).toBe(review.criticalPath.before!.seconds + 300);
  });
});

describe("review of the Kubernetes target: each object's step, by the kubernetes provider's rules", () => {
  const actions = (review: ReturnType<typeof buildReview>) => review.objects!.map((o) => `${o.action} ${o.kind} ${o.resource}`).sort();

  it("a gateway setting: its ConfigMap is new data (replaced, autonamed), its Deployment rolls surge-first", () => {
    const review = buildReview("k8s", outcome("k8s"), outcome("k8s", ["gateway.numRetries=1"]));
    expect(review.changes).toEqual([]);
    expect(actions(review)).toEqual(["replace ConfigMap api-gateway-config", "update Deployment api-gateway-workload"]);
    const workload = review.objects!.find((o) => o.kind === "Deployment")!;
    expect(workload.paths).toEqual(["spec.template"]);
    expect(workload.rollout).toMatch(/surge first/);
    expect(reviewMarkdown(review)).toMatch(/\| api-gateway-config \| ConfigMap \| replace \|/);
  });

  it("a rotated secret: each reader's Secret is replaced and its workload rolls; Qdrant's memory updates its StatefulSet", () => {
    const head = outcome("k8s", ["qdrant.memoryMiB=3072"]) as Extract<PlanOutcome, { plan: unknown }>;
    const review = buildReview("k8s", outcome("k8s"), { ...head, secrets: { inferenceApiKey: "3f2a9c" } });
    const readers = head.kubernetes!.services.filter((s) => s.secrets.some((e) => e.secret === "inferenceApiKey")).map((s) => s.service);
    expect(readers.length).toBeGreaterThan(0);
    const expected = [
      ...readers.flatMap((s) => [
        `replace Secret ${s}-secret`,
        `update ${head.kubernetes!.services.find((x) => x.service === s)!.kind} ${s}-workload`,
      ]),
      "update StatefulSet qdrant-workload",
    ];
    expect(actions(review)).toEqual([...new Set(expected)].sort());
    expect(review.objects!.find((o) => o.resource === "qdrant-workload")!.rollout).toMatch(/its one pod is replaced/);
  });

  it("leaves every object when nothing changes", () => {
    const review = buildReview("k8s", outcome("k8s"), outcome("k8s"));
    expect(review.objects).toEqual([]);
    expect(reviewMarkdown(review)).toContain("`up` leaves every object as it is.");
  });
});
