/** The one table layout every operations task prints: plain box drawing, no colours (safe in CI logs and pipes). */
import Table from "cli-table3";

export type Cell = string | number;

export function renderTable(head: string[], rows: Cell[][]): string {
  const table = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const row of rows) table.push(row.map((cell) => String(cell)));
  return table.toString();
}
