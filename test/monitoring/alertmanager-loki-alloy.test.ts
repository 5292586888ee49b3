/** Alertmanager routing, Loki retention and the Alloy pipeline, from their renderers. */
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { buildAlertmanagerConfig, NOOP_RECEIVER, WEBHOOK_RECEIVER } from "../../lib/monitoring/alertmanager";
import { renderAlloy } from "../../lib/monitoring/alloy-syntax";
import { file, planP3, service } from "../p3/plan-p3";

describe("Alertmanager", () => {
  it("routes to a no-op receiver by default", () => {
    const config = buildAlertmanagerConfig({});
    expect(config.route.receiver).toBe(NOOP_RECEIVER);
    expect(config.receivers).toEqual([{ name: NOOP_RECEIVER }]);
  });

  it("routes every alert to the webhook when one is configured, resolved ones included", async () => {
    const url = "http://127.0.0.1:9999/hook";
    const plan = await planP3({ monitoring: { alertmanager: { webhookUrl: url } } });
    const config = parseYaml(file(service(plan, "alertmanager"), "/etc/alertmanager/alertmanager.yml").content);
    expect(config.route.receiver).toBe(WEBHOOK_RECEIVER);
    expect(config.route.routes.every((r: any) => r.receiver === WEBHOOK_RECEIVER)).toBe(true);
    expect(config.receivers).toEqual([{ name: WEBHOOK_RECEIVER, webhook_configs: [{ url, send_resolved: true }] }]);
  });

  it("runs as a single node without a gossip listener", async () => {
    const plan = await planP3();
    expect(service(plan, "alertmanager").command).toContain("--cluster.listen-address=");
  });
});

describe("Loki", () => {
  it("enforces the configured retention with the compactor", async () => {
    const plan = await planP3({ monitoring: { loki: { retentionDays: 3 } } });
    const config = parseYaml(file(service(plan, "loki"), "/etc/loki/loki.yaml").content);
    expect(config.limits_config.retention_period).toBe("72h");
    expect(config.compactor.retention_enabled).toBe(true);
    expect(config.compactor.delete_request_store).toBe("filesystem");
    expect(config.auth_enabled).toBe(false);
    expect(config.common.path_prefix).toBe("/loki");
    expect(service(plan, "loki").volumes).toEqual([{ volume: "loki-data", containerPath: "/loki", readOnly: false }]);
  });
});

describe("Alloy", () => {
  it("tails Docker's log files read-only, labels by the service attribute, and pushes to Loki", async () => {
    const plan = await planP3();
    const alloy = service(plan, "alloy");
    const text = file(alloy, "/etc/alloy/config.alloy").content;
    expect(text).toContain('"__path__" = "/var/lib/docker/containers/*/*-json.log"');
    expect(text).toContain('"service" = "attrs.\\"local-ai-suite.service\\""');
    expect(text).toContain('url = "http://loki:3100/loki/api/v1/push"');
    expect(text).not.toMatch(/docker\.sock|loki\.source\.docker|request_id|session_id/);
    expect(alloy.binds).toEqual([{ hostPath: "/var/lib/docker/containers", containerPath: "/var/lib/docker/containers", readOnly: true }]);
    expect(alloy.dependsOn).toEqual(["loki"]);
  });

  it("writes balanced blocks with quoted strings, and refuses names Alloy would not parse", () => {
    const text = renderAlloy([
      {
        name: "a.b",
        label: 'x"y',
        attrs: { s: 'q"\\', n: 2, list: [{ ref: "c.d.e" }], obj: { "k.k": true } },
        blocks: [{ name: "inner", attrs: {} }],
      },
    ]);
    expect(text).toBe(
      'a.b "x\\"y" {\n  s = "q\\"\\\\"\n  n = 2\n  list = [c.d.e]\n  obj = {\n    "k.k" = true,\n  }\n  inner {\n\n  }\n}\n',
    );
    expect(() => renderAlloy([{ name: "bad name" }])).toThrow(/block name/);
    expect(() => renderAlloy([{ name: "ok", attrs: { "bad-attr": 1 } }])).toThrow(/attribute name/);
    expect(() => renderAlloy([{ name: "ok", attrs: { r: { ref: "x; rm -rf" } } }])).toThrow(/reference/);
  });
});
