/** Small PromQL helpers shared by the alert rules and the dashboards. */

/** A double-quoted PromQL string literal (Go string escaping). */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A regex matcher value matching exactly one of `values` (RE2 metacharacters escaped). */
export function anyOf(values: string[]): string {
  if (!values.length) throw new Error("anyOf needs at least one value");
  return promString(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}
