/**
 * A refactor must never replace a running container. The p3 service set is
 * deployed by the program as it was at LAYOUT_BASELINE (the last commit before
 * the layout pass: group components from a class factory, VectorStore under
 * module "storage"), then previewed by this working tree's program over the
 * same state: nothing may be created or deleted (what an alias prevents), and a
 * container may be replaced only by a content change listed below. Both programs run
 * from one directory with this tree's services/ and the e2e stack's model lock (the
 * real servers' test models), so only the program differs (build contexts and paths
 * are the same).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeModelLock } from "../../lib/models/lock";
import { removeStackLeftovers } from "../support/docker-cli";
import {
  cleanup,
  initStack,
  pulumi,
  REPO_DIR,
  runWithEvents,
  steps,
  tempProject,
  urnName,
  writeStackFile,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";
import { requireRealImages } from "../support/real-images";
import { buildStandInImages } from "../support/standin/images";
import { e2eStack, type E2eStack } from "./e2e-stack";

/** The commit whose layout stacks in the field were deployed with. Move it forward only with a release note. */
const LAYOUT_BASELINE = "52b0bc0d7d86114f8d7641b1c5fe6c8696910e1c";
/**
 * Deliberate content changes since the baseline that replace a container, by resource name, with the fields
 * they change and why. Moving LAYOUT_BASELINE forward empties it; anything else replaced fails the test.
 */
const KEY_WHY = "every llama-server requires the stack's inference key (issue 21): --api-key-file and its key file (0600: it runs as root)";
const REBUILT =
  "its image gains a source-digest rebuild trigger, so the preview cannot know the image id (at `up` the rebuild is a cache hit: the same id)";
const CHANGED_SINCE_BASELINE: Record<string, { fields: string[]; why: string }> = {
  "suite-gateway-api-gateway-container": {
    fields: ["uploads", "envs"],
    why:
      "LiteLLM's health_check_staleness_threshold 16 -> 3600 s: its verdict cache lapsed every 24 s (docs/faults.md); " +
      "it sends the llama-servers' key (api_key: os.environ/INFERENCE_API_KEY)",
  },
  "suite-vectors-qdrant-container": {
    fields: ["entrypoints", "envs", "destroyGraceSeconds", "stopTimeout", "labels"],
    why:
      "Qdrant runs as its own PID 1 (the image's entrypoint.sh exits on SIGTERM, so Qdrant was killed mid-shutdown), with CORS off (any web page could use it), " +
      "and with a 45 s stop grace (under traffic it serves for actix's 30 s shutdown timeout first, and 30 s SIGKILLed it)",
  },
  "suite-llm-inference-chat-container": {
    fields: ["healthcheck", "labels", "waitTimeout", "command", "uploads"],
    why:
      "llama-server's probe tells a wedged inference loop from a busy one (6 s x 2 instead of 20 s x 5), and the healer restarts it with a 2 s grace (label); " +
      `${KEY_WHY}`,
  },
  "suite-llm-inference-code-container": {
    fields: ["healthcheck", "labels", "waitTimeout", "command", "uploads"],
    why: `the same probe and heal grace as inference-chat; ${KEY_WHY}`,
  },
  "suite-rag-embedding-server-container": {
    fields: ["healthcheck", "waitTimeout", "command", "uploads"],
    why: `the embedding llama-server gets the same probe; ${KEY_WHY}`,
  },
  "suite-rag-embedding-container": {
    fields: ["envs", "uploads", "image"],
    why: `the embedding service sends the embedding server's key, read from its key file (EMBEDDING_LLAMA_API_KEY_FILE); ${REBUILT}`,
  },
  "suite-monitoring-prometheus-container": {
    fields: ["uploads"],
    why:
      "Prometheus scrapes the llama-servers with their key (a bearer token file); the container alerts come from the healer's " +
      "metrics, since cAdvisor has no socket (issue 21)",
  },
  "suite-rag-rag-container": {
    fields: ["envs", "image", "uploads"],
    why: `RAG_CONTEXT_BUDGET_TOKENS: RAG's prompt must fit the smallest context of the servers that may answer it (lib/plan/rag-context.ts); it reads the gateway key from a file (RAG_LLM_API_KEY_FILE); ${REBUILT}`,
  },
  "suite-healer-healer-container": {
    fields: ["envs", "image", "networksAdvanced", "user", "volumes"],
    why:
      "the healer holds no Docker socket: it runs as uid 1000 and reaches the Docker API through its allowlisting proxy " +
      `(HEALER_DOCKER_API), on the network only the two share (issue 21); ${REBUILT}`,
  },
  "suite-monitoring-cadvisor-container": {
    fields: ["command", "volumes"],
    why: "cAdvisor gets no Docker socket by default (monitoring.cadvisor.dockerSocket false, --docker_only=false): the socket is root on the host (issue 21)",
  },
  "suite-monitoring-grafana-container": {
    fields: ["envs", "uploads"],
    why:
      "Grafana reads its admin password from a secret file (GF_SECURITY_ADMIN_PASSWORD__FILE, 0640): docker inspect no longer shows it; " +
      "the restarts panel reads the healer's metrics (issue 21)",
  },
  "suite-mcp-mcp-server-container": {
    fields: ["envs"],
    why: "MCP runs with its RBAC and approval workflow on by default (issue 21): RBAC_ENABLED and APPROVAL_WORKFLOW_ENABLED true",
  },
  ...Object.fromEntries(
    ["suite-rag-rag-image", "suite-rag-embedding-image", "suite-healer-healer-image"].map((image) => [
      image,
      {
        fields: ["build", "triggers"],
        why: "a locally built image is rebuilt when its source digest changes (the provider never rebuilds under an unchanged tag)",
      },
    ]),
  ),
  "suite-vectors-qdrant-pre-change-backup": {
    fields: ["triggers"],
    why: "Qdrant's change digest (above) is its trigger: the backup runs before Qdrant is replaced, as designed",
  },
  ...Object.fromEntries(
    ["mcp-mcp-server", "memory-memory-api", "memory-memory-maintainer"].map((service) => [
      `suite-${service}-pre-change-backup`,
      {
        fields: ["triggers"],
        why:
          "the change digest covers the whole spec, and every container's replaceOnChanges gained tmpfs (the provider records a tmpfs " +
          "change in state only): one spare backup, the container itself unchanged",
      },
    ]),
  ),
  "suite-monitoring-loki-container": {
    fields: ["healthcheck"],
    why: "Loki's probe is its own `loki -health`: the 3.6+ image is distroless and the busybox wget probe could never run",
  },
};
/**
 * Config keys added since the baseline for a part the baseline does not have at all, by `<section>.<key>`,
 * with why: the baseline deploys without them, and this program then creates the part.
 */
const PARTS_SINCE_BASELINE: Record<string, string> = {
  "healer.dockerApiProxy": "the healer's allowlisting Docker API proxy (issue 21); the healer no longer mounts the socket",
};
/** Resources created since the baseline (a new generated secret is a create, not a layout move), with why. */
const CREATED_SINCE_BASELINE: Record<string, string> = {
  "suite-inferenceApiKey": "the llama-servers' API key (issue 21), generated once and kept in state",
  ...Object.fromEntries(
    [
      "suite-network-docker-api",
      "suite-healer-docker-api-proxy",
      "suite-healer-docker-api-proxy-image",
      "suite-healer-docker-api-proxy-container",
    ].map((name) => [name, PARTS_SINCE_BASELINE["healer.dockerApiProxy"]!]),
  ),
};
/** Config keys added since the baseline, with the value that keeps the baseline's behaviour, by `<section>.<key>`. */
const KEYS_SINCE_BASELINE: Record<string, unknown> = {
  "rag.requireToken": false,
  "embedding.requireToken": false,
  "qdrant.requireKey": false,
};

/** The stack config without the keys the baseline does not know; each must hold the baseline's behaviour here. */
function withoutKeys(config: Record<string, unknown>, keys: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(config) as Record<string, Record<string, unknown>>;
  for (const dotted of Object.keys(PARTS_SINCE_BASELINE)) {
    const [section, key] = dotted.split(".") as [string, string];
    delete out[`local-ai-suite:${section}`]?.[key];
  }
  for (const [dotted, baselineValue] of Object.entries(keys)) {
    const [section, key] = dotted.split(".") as [string, string];
    const holder = out[`local-ai-suite:${section}`];
    if (holder && key in holder) {
      if (holder[key] !== baselineValue) throw new Error(`${dotted} is ${String(holder[key])}: the baseline cannot deploy that`);
      delete holder[key];
    }
  }
  return out;
}

/** A config value as `pulumi config set --path` leaves: [dotted path, value] for each scalar inside it. */
function leaves(dotted: string, value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(`${dotted}.${k}`, v));
  return [[dotted, String(value)]];
}

/** Copied from this tree into the baseline too: what the services are, not the program's layout. */
const SHARED_WITH_BASELINE = ["services"];

let project: Project;
let program: string;
let e2e: E2eStack;
let preview: EngineRun;

const git = (args: string[]) => execFileSync("git", ["-C", REPO_DIR, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });

/** Replaces the program directory's files with `ref`'s (git archive), or with this working tree's. */
function checkOut(ref: string | "working-tree"): void {
  fs.rmSync(program, { recursive: true, force: true });
  fs.mkdirSync(program, { recursive: true });
  if (ref === "working-tree") {
    const files = git(["ls-files", "-co", "--exclude-standard", "-z"])
      .split("\0")
      .filter((f) => f && fs.existsSync(path.join(REPO_DIR, f)));
    for (const file of files) fs.cpSync(path.join(REPO_DIR, file), path.join(program, file), { recursive: true });
  } else {
    execFileSync("bash", ["-c", `git -C "${REPO_DIR}" archive "${ref}" | tar -x -C "${program}"`]);
    for (const shared of SHARED_WITH_BASELINE) {
      fs.rmSync(path.join(program, shared), { recursive: true, force: true });
      fs.cpSync(path.join(REPO_DIR, shared), path.join(program, shared), { recursive: true });
    }
  }
  fs.writeFileSync(path.join(program, "models.lock.json"), serializeModelLock(e2e.lock));
  fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(program, "node_modules"));
}

beforeAll(async () => {
  try {
    git(["cat-file", "-e", `${LAYOUT_BASELINE}^{commit}`]);
  } catch {
    throw new Error(
      `The layout test needs commit ${LAYOUT_BASELINE} in this clone's history; a shallow clone lacks it: git fetch --unshallow`,
    );
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "layout-"));
  program = path.join(work, "program");
  await requireRealImages();
  e2e = await e2eStack(path.join(work, "stack"));
  checkOut(LAYOUT_BASELINE);
  project = tempProject({ program, stacks: {} });
  // The baseline probed Loki with /busybox/wget, which the real 3.6+ image lacks (the probe this tree replaced);
  // Loki's stand-in keeps a wget there so the baseline can come up at all, since URNs are what is judged here.
  await buildStandInImages(e2e.plan, { loki: [{ path: "/busybox/wget", target: "/usr/bin/wget" }] });
  // Keys the baseline's schema does not know yet, set to what the baseline did anyway; this program gets them back below.
  writeStackFile(project, e2e.stack, withoutKeys(e2e.config, KEYS_SINCE_BASELINE));
  await initStack(project, e2e.stack);
  // No policy pack: what is judged here is the URNs, not the containers' settings.
  const first = await runWithEvents(project, ["up"], ["--stack", e2e.stack, "--yes", "--skip-preview"], { timeoutMs: 900_000 });
  expect(first.code, first.output).toBe(0);
  checkOut("working-tree");
  // The keys the baseline could not take, back in the stack's config (the file also holds its encryption salt).
  for (const dotted of [...Object.keys(KEYS_SINCE_BASELINE), ...Object.keys(PARTS_SINCE_BASELINE)]) {
    const value = (e2e.config[`local-ai-suite:${dotted.split(".")[0]}`] as Record<string, unknown> | undefined)?.[dotted.split(".")[1]!];
    for (const [leaf, leafValue] of leaves(dotted, value)) {
      const set = await pulumi(project, ["config", "set", "--stack", e2e.stack, "--path", `local-ai-suite:${leaf}`, leafValue]);
      expect(set.code, set.output).toBe(0);
    }
  }
  preview = await runWithEvents(project, ["preview"], ["--stack", e2e.stack, "--diff"], { timeoutMs: 300_000 });
  expect(preview.code, preview.output).toBe(0);
}, 1_500_000);

afterAll(async () => {
  if (project && e2e) await runWithEvents(project, ["destroy"], ["--stack", e2e.stack, "--yes"], { timeoutMs: 300_000 });
  if (e2e) {
    const { failures } = await removeStackLeftovers(e2e.stack);
    if (failures.length) throw new Error(`cleaning up stack ${e2e.stack}: ${failures.join("; ")}`);
  }
  if (project) cleanup(project);
  if (program) fs.rmSync(path.dirname(program), { recursive: true, force: true });
}, 600_000);

describe(`a stack deployed with the layout of ${LAYOUT_BASELINE.slice(0, 7)}`, () => {
  it("previews under this program with nothing created or deleted, and replaced only where a listed content change says so", () => {
    const all = steps(preview);
    const byOp = (op: string) => all.filter((s) => s.op === op);
    const names = (list: typeof all) => list.map((s) => urnName(s.urn));
    const changed = all.filter((s) => s.op !== "same");
    console.log(
      `layout: baseline=${LAYOUT_BASELINE.slice(0, 7)} resources=${new Set(all.map((s) => s.urn)).size} same=${byOp("same").length} ` +
        `update=${byOp("update").length} create=${byOp("create").length} delete=${byOp("delete").length} replace=${byOp("replace").length}` +
        (changed.length ? ` changed=${changed.map((s) => `${urnName(s.urn)}:${s.op}:${(s.diffs ?? []).join("+")}`).join(",")}` : ""),
    );
    const containerSteps = all.filter((s) => s.type === "docker:index/container:Container");
    // By name: a replaced container whose URN an alias maps shows its old URN on the delete-replaced step.
    const containers = new Set(containerSteps.map((s) => urnName(s.urn)));
    expect(containers.size, containerSteps.map((s) => `${urnName(s.urn)}:${s.op}`).join(" ")).toBe(e2e.plan.services.length);
    // A URN the new layout does not map to an old one shows as a create plus a delete: that is what aliases prevent.
    expect({ create: names(byOp("create")).filter((n) => !CREATED_SINCE_BASELINE[n]), delete: names(byOp("delete")) }).toEqual({
      create: [],
      delete: [],
    });
    // A replace is a content change, never the layout's: each one must be listed, with the fields it changes.
    const replaced = byOp("replace").map((s) => ({ name: urnName(s.urn), diffs: s.diffs ?? [] }));
    const unlisted = replaced.filter((r) => {
      const listed = CHANGED_SINCE_BASELINE[r.name];
      return !listed || r.diffs.some((d) => !listed.fields.includes(d));
    });
    expect(unlisted).toEqual([]);
    expect(byOp("update").map((s) => urnName(s.urn))).toEqual([]);
    // The aliased VectorStore moved module; its Qdrant container is the same resource (replaced in place of
    // the old one for its listed content change, never created beside it).
    expect(all.filter((s) => urnName(s.urn).endsWith("-qdrant-container")).map((s) => s.op)).not.toContain("create");
  });
});
