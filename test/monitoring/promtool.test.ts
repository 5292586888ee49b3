/**
 * The rendered Prometheus config, alert rules and Alertmanager config, checked
 * by the real promtool and amtool (Debian packages `prometheus` and
 * `prometheus-alertmanager`). A missing tool fails these tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { ServiceSpec } from "../../lib/plan/service-spec";
import { planP3, service } from "../p3/plan-p3";
import { INSTALL_HINT, requireTool, runTool, toolVersion, writeTree } from "./real-tools";

const TOKEN = "test-token-not-a-real-key";

/** The service's files as they land in the container; secret files get a stand-in value. */
function treeOf(spec: ServiceSpec) {
  return writeTree(spec.files.map((f) => ({ path: f.path, content: f.secret ? TOKEN : f.content })));
}

/** With a Qdrant key, the reference memory services (which cannot send it) are off: the plan refuses them otherwise. */
const WITHOUT_KEYLESS_QDRANT_CALLERS = { memory: { enabled: false } };

async function checkAll(overrides: Record<string, unknown>, secrets: { qdrantApiKey?: boolean }) {
  const plan = await planP3(secrets.qdrantApiKey ? { ...WITHOUT_KEYLESS_QDRANT_CALLERS, ...overrides } : overrides, secrets);
  const promRoot = treeOf(service(plan, "prometheus"));
  const amRoot = treeOf(service(plan, "alertmanager"));
  return {
    config: runTool("promtool", ["check", "config", path.join(promRoot, "etc/prometheus/prometheus.yml")]),
    rules: runTool("promtool", ["check", "rules", path.join(promRoot, "etc/prometheus/rules/alert-rules.yml")]),
    alertmanager: runTool("amtool", ["check-config", path.join(amRoot, "etc/alertmanager/alertmanager.yml")]),
    promRoot,
  };
}

describe("the tools themselves", () => {
  it("are installed (versions are logged for the record)", () => {
    console.log(`using ${toolVersion("promtool")}; ${toolVersion("amtool")}`);
    expect(requireTool("promtool")).toMatch(/promtool$/);
    expect(requireTool("amtool")).toMatch(/amtool$/);
  });

  it("fail with the install command when missing, never skip", () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => requireTool("promtool")).toThrow(INSTALL_HINT);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe("Pulumi.p3.yaml's monitoring files", () => {
  it.each([
    ["as committed, with a Qdrant API key", {}, { qdrantApiKey: true }],
    ["without a Qdrant API key", {}, {}],
    ["with a webhook receiver", { monitoring: { alertmanager: { webhookUrl: "http://127.0.0.1:9999/alerts" } } }, { qdrantApiKey: true }],
    [
      "without DCGM and without cAdvisor's Docker socket",
      { monitoring: { dcgmExporter: { enabled: false }, cadvisor: { dockerSocket: false } } },
      {},
    ],
    ["with MCP and memory off", { mcp: { enabled: false }, memory: { enabled: false } }, {}],
  ])("pass promtool check config/rules and amtool check-config: %s", async (_name, overrides, secrets) => {
    const result = await checkAll(overrides, secrets);
    expect(result.config.ok, result.config.output).toBe(true);
    expect(result.config.output).toContain("1 rule files found");
    expect(result.rules.ok, result.rules.output).toBe(true);
    expect(result.rules.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.alertmanager.ok, result.alertmanager.output).toBe(true);
  });

  it("make promtool read the Qdrant token file it references (removing it fails the check)", async () => {
    // Qdrant keyed: Prometheus gets (only) its read-only key.
    const result = await checkAll({}, { qdrantApiKey: true });
    fs.rmSync(path.join(result.promRoot, "etc/prometheus/secrets/qdrantReadOnlyKey"));
    const again = runTool("promtool", ["check", "config", path.join(result.promRoot, "etc/prometheus/prometheus.yml")]);
    expect(again.ok).toBe(false);
    expect(again.output).toContain("secrets/qdrantReadOnlyKey");
  });

  it("are rejected when a rule is broken (the check is real)", async () => {
    const result = await checkAll({}, {});
    const rules = path.join(result.promRoot, "etc/prometheus/rules/alert-rules.yml");
    fs.writeFileSync(rules, fs.readFileSync(rules, "utf8").replace(/expr: (.*)\n/, "expr: $1 +\n"));
    const again = runTool("promtool", ["check", "rules", rules]);
    expect(again.ok).toBe(false);
    expect(again.output).toMatch(/parse error|could not parse/);
  });
});

/**
 * The container alerts from the healer's metrics (cAdvisor has no Docker socket by default), evaluated by
 * promtool's rule tests on made-up series: a service whose containers all stopped, or that has none, is
 * missing; nothing is while the healer itself is down (ServiceDown covers that); a crash loop is restarting.
 * The rendered rules' own expressions are evaluated (an alert's `for` is Prometheus' business).
 */
describe("the container alerts from the healer's metrics (promtool test rules)", () => {
  it("fire on a stopped or vanished service and a crash loop, and stay quiet while the healer is down", async () => {
    const plan = await planP3();
    const promRoot = treeOf(service(plan, "prometheus"));
    const rulesDir = path.join(promRoot, "etc/prometheus/rules");
    const rules = (parseYaml(fs.readFileSync(path.join(rulesDir, "alert-rules.yml"), "utf8")) as { groups: { rules: any[] }[] }).groups
      .flatMap((g) => g.rules)
      .filter((r) => r.alert);
    const expr = (alert: string) => rules.find((r) => r.alert === alert)!.expr as string;
    /** How many series the alert's expression returns at `at` (no sample: none). */
    const fires = (alert: string, at: string, count: number | undefined) => ({
      expr: `count(${expr(alert)})`,
      eval_time: at,
      exp_samples: count === undefined ? [] : [{ labels: "{}", value: count }],
    });
    const maintainer = 'healer_service_running{job="healer",service="memory-maintainer"}';
    const tests = {
      rule_files: ["alert-rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            { series: 'up{job="healer",instance="healer:8007"}', values: "1x20" },
            // Stopped at minute 5; the memory API's container vanished (no series) after minute 5.
            { series: maintainer, values: "1x5 0x15" },
            { series: 'healer_service_running{job="healer",service="memory-api"}', values: "1x5" },
            // Four starts within a few minutes: a crash loop.
            { series: 'healer_container_starts_total{job="healer",service="rag"}', values: "0 0 1 2 3 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4" },
            { series: 'healer_container_starts_total{job="healer",service="qdrant"}', values: "0x20" },
          ],
          promql_expr_test: [
            fires("ContainerMissing_memory_maintainer", "4m", undefined),
            fires("ContainerMissing_memory_maintainer", "7m", 1),
            fires("ContainerMissing_memory_api", "4m", undefined),
            fires("ContainerMissing_memory_api", "12m", 1),
            fires("ContainerRestarting", "1m", undefined),
            fires("ContainerRestarting", "7m", 1),
          ],
        },
        {
          interval: "1m",
          // The healer is down: its series stop, and no service is called missing.
          input_series: [
            { series: 'up{job="healer",instance="healer:8007"}', values: "1x3 0x15" },
            { series: maintainer, values: "1x3" },
          ],
          promql_expr_test: [fires("ContainerMissing_memory_maintainer", "12m", undefined)],
        },
      ],
    };
    fs.writeFileSync(path.join(rulesDir, "container-alerts.test.yml"), JSON.stringify(tests, null, 2));
    const result = runTool("promtool", ["test", "rules", "container-alerts.test.yml"], rulesDir);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain("SUCCESS");
  });
});
