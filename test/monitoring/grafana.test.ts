/**
 * Grafana provisioning as file provisioning needs it: datasources with the uids
 * the dashboards use, a provider pointing at where the dashboard files land,
 * and dashboard JSON with a top-level uid and title (no "dashboard" wrapper).
 */
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { dashboard } from "../../lib/monitoring/grafana/dashboard";
import { PROMETHEUS_DATASOURCE } from "../../lib/monitoring/grafana/provisioning";
import { file, planP3, service } from "../p3/plan-p3";

async function grafanaFiles(overrides: Record<string, unknown> = {}) {
  const plan = await planP3(overrides);
  const grafana = service(plan, "grafana");
  const datasources = parseYaml(file(grafana, "/etc/grafana/provisioning/datasources/ai-suite.yaml").content);
  const provider = parseYaml(file(grafana, "/etc/grafana/provisioning/dashboards/ai-suite.yaml").content);
  const dashboards = grafana.files.filter((f) => f.path.endsWith(".json")).map((f) => ({ path: f.path, json: JSON.parse(f.content) }));
  return { plan, grafana, datasources, provider, dashboards };
}

describe("Grafana provisioning", () => {
  it("provisions Prometheus (default) and Loki by fixed uid, at their in-network URLs", async () => {
    const { datasources } = await grafanaFiles();
    expect(datasources.apiVersion).toBe(1);
    const byType = Object.fromEntries(datasources.datasources.map((d: any) => [d.type, d]));
    expect(byType.prometheus).toMatchObject({ uid: "prometheus", url: "http://prometheus:9090", isDefault: true, access: "proxy" });
    expect(byType.loki).toMatchObject({ uid: "loki", url: "http://loki:3100", isDefault: false });
  });

  it("loads dashboards from the directory the dashboard files are shipped to", async () => {
    const { provider, dashboards } = await grafanaFiles();
    const p = provider.providers[0];
    expect(p.type).toBe("file");
    for (const d of dashboards) expect(path.dirname(d.path)).toBe(p.options.path);
    expect(p.options.path).not.toMatch(/^\/var\/lib\/grafana/); // that is the data volume
  });

  it("ships an overview, a GPU memory and a latency dashboard", async () => {
    const { dashboards } = await grafanaFiles();
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(["ai-suite-gpu", "ai-suite-latency", "ai-suite-overview"]);
  });

  it("writes dashboards in the shape file provisioning accepts", async () => {
    const { dashboards, datasources } = await grafanaFiles();
    const uids = new Set(datasources.datasources.map((d: any) => d.uid));
    for (const { path: p, json } of dashboards) {
      expect(json).not.toHaveProperty("dashboard");
      expect(json.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      expect(path.basename(p)).toBe(`${json.uid}.json`);
      expect(json.title.length).toBeGreaterThan(0);
      expect(json.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(json.panels.length).toBeGreaterThan(0);
      const ids = json.panels.map((panel: any) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of json.panels) {
        expect(["timeseries", "stat", "gauge", "logs"]).toContain(panel.type);
        expect(uids.has(panel.datasource.uid), `${json.uid}/${panel.title}`).toBe(true);
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const t of panel.targets) {
          expect(t.datasource.uid).toBe(panel.datasource.uid);
          expect(t.expr.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it("plots GPU memory against the stack's budget, and drops the GPU dashboard without DCGM", async () => {
    const { dashboards, plan } = await grafanaFiles();
    const gpu = dashboards.find((d) => d.json.uid === "ai-suite-gpu")!.json;
    const exprs = gpu.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    const budget = 6141 - 400;
    expect(exprs).toContain(`vector(${budget})`);
    expect(exprs.some((e: string) => e.includes("DCGM_FI_DEV_FB_USED"))).toBe(true);
    expect(plan.services.some((s) => s.service === "dcgm-exporter")).toBe(true);
    const without = await grafanaFiles({ monitoring: { dcgmExporter: { enabled: false } } });
    expect(without.dashboards.map((d) => d.json.uid)).not.toContain("ai-suite-gpu");
  });

  it("shows inference speed, HTTP latency and the gateway's log in the latency dashboard", async () => {
    const { dashboards } = await grafanaFiles();
    const latency = dashboards.find((d) => d.json.uid === "ai-suite-latency")!.json;
    const exprs = latency.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
    expect(exprs).toContain("llamacpp:tokens_predicted_total");
    expect(exprs).toContain("http_request_duration_seconds_bucket");
    expect(exprs).toContain('{service="api-gateway"}');
  });

  it("takes the admin password from a secret, never a default, and turns sign-up off", async () => {
    const { grafana } = await grafanaFiles();
    // As a file Grafana reads (__FILE), so docker inspect shows no value.
    expect(grafana.secretEnv).toEqual({});
    expect(grafana.env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/grafana-admin-password");
    expect(grafana.files.find((f) => f.path === "/run/secrets/grafana-admin-password")).toEqual({
      path: "/run/secrets/grafana-admin-password",
      content: "",
      secret: "grafanaAdminPassword",
    });
    expect(Object.keys(grafana.env)).not.toContain("GF_SECURITY_ADMIN_PASSWORD");
    expect(grafana.env.GF_USERS_ALLOW_SIGN_UP).toBe("false");
    expect(grafana.env).not.toHaveProperty("GF_INSTALL_PLUGINS");
  });

  it("rejects a dashboard uid Grafana would not accept", () => {
    expect(() => dashboard("has space", "t", [], [])).toThrow(/uid/);
    expect(() =>
      dashboard(
        "ok",
        "t",
        [],
        [{ type: "stat", title: "wide", datasource: PROMETHEUS_DATASOURCE, queries: [{ expr: "up" }], w: 25, h: 4 }],
      ),
    ).toThrow(/width/);
  });
});
