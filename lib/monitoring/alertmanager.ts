/**
 * alertmanager.yml as typed data. Without a webhook every alert goes to a
 * receiver with no notifier: a deliberate no-op, visible in the UI. (The
 * reference had two such receivers by accident and an SMTP host pointing at
 * the container itself.)
 */
import { stringify } from "yaml";

export interface AlertmanagerSettings {
  /** Where alerts are POSTed; undefined = no-op receiver. */
  webhookUrl?: string;
}

export const NOOP_RECEIVER = "none";
export const WEBHOOK_RECEIVER = "webhook";

export interface AlertmanagerConfig {
  route: {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { matchers: string[]; receiver: string; group_wait: string; repeat_interval: string }[];
  };
  receivers: { name: string; webhook_configs?: { url: string; send_resolved: boolean }[] }[];
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
}

export function buildAlertmanagerConfig(settings: AlertmanagerSettings): AlertmanagerConfig {
  const receiver = settings.webhookUrl ? WEBHOOK_RECEIVER : NOOP_RECEIVER;
  return {
    route: {
      receiver,
      group_by: ["alertname", "job"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: [{ matchers: ['severity="critical"'], receiver, group_wait: "10s", repeat_interval: "1h" }],
    },
    receivers: settings.webhookUrl
      ? [{ name: WEBHOOK_RECEIVER, webhook_configs: [{ url: settings.webhookUrl, send_resolved: true }] }]
      : [{ name: NOOP_RECEIVER }],
    // A service that is down also trips its latency/error alerts; report the cause only.
    inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["job"] }],
  };
}

export function renderAlertmanagerConfig(settings: AlertmanagerSettings): string {
  return stringify(buildAlertmanagerConfig(settings), { lineWidth: 0 });
}
