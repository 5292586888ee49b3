/** The review as Markdown: what a pull request's reader needs, in the order they ask it. */
import type { Review, ReviewedChange } from "./review";

const ACTION_TEXT: Record<ReviewedChange["action"], string> = {
  create: "create",
  replace: "replace",
  update: "update in place",
  delete: "delete",
  none: "leave it",
};

function costOf(c: ReviewedChange): string {
  const backup = c.backupFirst ? "; a pre-change backup runs first" : "";
  if (c.action === "update") return `no restart (${c.properties.join(", ")}: on the running container or in state only)${backup}`;
  if (c.action === "none") return `no container property changes${backup}`;
  if (c.action !== "replace") return "";
  return `gone up to ${c.downtimeBoundSec} s${c.deleteBeforeReplace ? ", delete-before-replace" : ""}; ${c.failover}${backup}`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ") || "(none)";

function containerSection(r: Review, out: string[]): void {
  out.push("### Containers", "");
  if (r.refusal) out.push("No container diff: the new plan does not exist.", "");
  else if (r.changes.every((c) => c.action === "none")) out.push("`up` leaves every container as it is.", "");
  if (r.refusal || r.changes.length === 0) return;
  out.push("| service | up will | what it costs | changed fields |", "|---|---|---|---|");
  for (const c of r.changes)
    out.push(`| ${c.service} | ${ACTION_TEXT[c.action]} | ${cell(costOf(c))} | ${cell(c.fields.map((f) => f.field).join(", "))} |`);
  out.push("");
  for (const c of r.changes.filter((c) => c.fields.length)) {
    out.push(`<details><summary>${c.service}: ${c.fields.length} field(s)</summary>`, "");
    for (const f of c.fields)
      out.push(`- **${f.field}**`, `  - before: \`${f.before || "(none)"}\``, `  - after: \`${f.after || "(none)"}\``);
    out.push("", "</details>", "");
  }
}

function kubernetesSection(r: Review, out: string[]): void {
  const objects = r.objects ?? [];
  out.push("### Kubernetes objects", "");
  if (r.refusal) out.push("No object diff: the new plan does not exist.", "");
  else if (objects.length === 0) out.push("`up` leaves every object as it is.", "");
  if (r.refusal || objects.length === 0) return;
  out.push("| object | kind | up will | the pod | changed |", "|---|---|---|---|---|");
  for (const o of objects)
    out.push(`| ${o.resource} | ${o.kind} | ${ACTION_TEXT[o.action]} | ${cell(o.rollout ?? "")} | ${cell(o.paths.join(", "))} |`);
  out.push("");
}

function packSection(verdicts: NonNullable<Review["verdicts"]>, out: string[]): void {
  const mandatory = verdicts.filter((v) => v.level === "mandatory" || v.level === "remediate");
  // "can't run policy during preview": a value only a deployment knows; the real preview has the same note.
  const deferred = verdicts.filter((v) => v.level === "advisory" && v.message.startsWith("can't run policy"));
  const advisory = verdicts.filter((v) => v.level === "advisory" && !deferred.includes(v));
  out.push("", "### Policy pack", "");
  out.push(
    `${mandatory.length ? `**${mandatory.length} mandatory violation(s)**` : "Every mandatory policy passes"}; ${advisory.length} advisory; ${deferred.length} check(s) wait for values only a deployment knows.`,
  );
  for (const v of [...mandatory, ...advisory])
    out.push(`- ${v.level} \`${v.policy}\`${v.resource ? ` on ${v.resource}` : ""}: ${v.message.split("\n")[0]}`);
}

export function reviewMarkdown(r: Review, notes: readonly string[] = []): string {
  const out: string[] = [`## Review of stack ${r.stack}`, ""];
  for (const note of notes) out.push(`> ${note}`);
  if (notes.length) out.push("");
  if (r.refusal) {
    out.push("**The program refuses this plan** (nothing would be deployed):", "", "```", r.refusal.trim(), "```", "");
  }
  if (r.baseRefusal) out.push(`The base commit's plan was refused too: ${r.baseRefusal.split("\n")[0]}`, "");
  if (r.objects) kubernetesSection(r, out);
  else containerSection(r, out);
  out.push("### GPU budget", "");
  if (r.gpus.length === 0) out.push("No GPU in either plan.", "");
  for (const g of r.gpus) {
    const after = g.afterMiB === undefined ? "refused" : `${g.afterMiB} MiB`;
    out.push(
      `- GPU ${g.id}: ${g.beforeMiB ?? "?"} MiB -> ${after} of ${g.budgetMiB} MiB; gpu-vram-budget: ${g.fits ? "passes" : "fails (mandatory)"}`,
    );
  }
  if (r.verdicts) packSection(r.verdicts, out);
  out.push("", "### Startup critical path", "");
  const path = (p?: { chain: string[]; seconds: number }) => (p ? `${p.chain.join(" -> ")} = ${p.seconds} s` : "(no plan)");
  out.push(`- before: ${path(r.criticalPath.before)}`, `- after: ${path(r.criticalPath.after)}`, "");
  return out.join("\n");
}

/** Non-zero when the plan is refused, a mandatory VRAM verdict fails, or the pack reports a mandatory violation. */
export function reviewExitCode(r: Review): number {
  const mandatory = (r.verdicts ?? []).some((v) => v.level === "mandatory" || v.level === "remediate");
  return r.refusal || r.gpus.some((g) => !g.fits) || mandatory ? 1 : 0;
}
