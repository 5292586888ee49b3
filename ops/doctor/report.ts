/** doctor's report: the table of every check, then one fix per problem. */
import { renderTable } from "../table";
import type { CheckResult } from "./check-result";

export function doctorReport(results: CheckResult[]): string {
  const table = renderTable(
    ["CHECK", "TARGET", "RESULT", "DETAIL"],
    results.map((r) => [r.check, r.target, r.status.toUpperCase(), r.detail]),
  );
  const problems = results.filter((r) => r.status !== "ok" && r.fix);
  const fixes = problems.map((r) => `  - ${r.status === "fail" ? "FAIL" : "WARN"} ${r.target}: ${r.fix}`);
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  const summary = `${results.length} checks: ${results.length - failed - warned} ok, ${warned} warning(s), ${failed} failed`;
  return [table, ...(fixes.length ? ["To fix:", ...fixes] : []), summary].join("\n");
}
