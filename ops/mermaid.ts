/**
 * The stack's services and their health-gated dependencies as a Mermaid
 * flowchart, from the plan the program deploys (for the README and PRs).
 * Edges point from a dependency to the service that waits for it to be healthy.
 */
import type { StackPlan } from "../lib/plan/stack-plan";

export function mermaidId(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

export function renderMermaid(plan: StackPlan): string {
  const lines = ["flowchart LR"];
  const groups = [...new Set(plan.services.map((s) => s.group))];
  for (const group of groups) {
    lines.push(`  subgraph ${mermaidId(`group_${group}`)}["${group}"]`);
    for (const s of plan.services.filter((x) => x.group === group)) {
      const ports = s.ports.length ? s.ports.map((p) => `:${p.external}`).join(" ") : "no published port";
      lines.push(`    ${mermaidId(s.service)}["${s.service}<br/>${ports}"]`);
    }
    lines.push("  end");
  }
  for (const s of plan.services) {
    for (const dep of s.dependsOn) lines.push(`  ${mermaidId(dep)} -->|health-gated| ${mermaidId(s.service)}`);
  }
  return lines.join("\n");
}
