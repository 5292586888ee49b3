/** Prometheus alerting rule files as typed data, rendered with the `yaml` library. */
import { stringify } from "yaml";

export type Severity = "warning" | "critical";

export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires. */
  forSec: number;
  severity: Severity;
  summary: string;
  description: string;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert: string;
      expr: string;
      for: string;
      labels: { severity: Severity };
      annotations: { summary: string; description: string };
    }[];
  }[];
}

export function buildRuleFile(groups: RuleGroup[]): RuleFile {
  const seen = new Set<string>();
  for (const rule of groups.flatMap((g) => g.rules)) {
    if (seen.has(rule.alert)) throw new Error(`duplicate alert name "${rule.alert}"`);
    seen.add(rule.alert);
  }
  return {
    groups: groups
      .filter((g) => g.rules.length > 0)
      .map((g) => ({
        name: g.name,
        rules: g.rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: `${r.forSec}s`,
          labels: { severity: r.severity },
          annotations: { summary: r.summary, description: r.description },
        })),
      })),
  };
}

export function renderAlertRules(groups: RuleGroup[]): string {
  return stringify(buildRuleFile(groups), { lineWidth: 0 });
}
