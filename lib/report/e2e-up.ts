/** The one line `npm run e2e:up` prints: what the real deploy suite measured. */
export interface E2eUpFigures {
  services: number;
  created_in_order: boolean;
  second_preview_changes: number;
  replace_only: string;
  destroy_kept_data: boolean;
  /** Qdrant's pre-change backup finished before its old container was stopped. */
  backup_before_replace: boolean;
  /** A failed pre-change backup left the old container running, unreplaced. */
  failed_backup_blocked_replace: boolean;
  up_s: number;
  preview_s: number;
  /** The real programs that ran, each with the version it reports: "llama-server@b9851,qdrant@1.16.3,...". */
  real: string;
  /** The services that still ran a stand-in image. */
  standins: string;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? "unknown" : b ? "yes" : "no");

export function e2eUpLine(f: Partial<E2eUpFigures>): string {
  return [
    "e2e-up:",
    `services=${f.services ?? "unknown"}`,
    `created_in_order=${yesNo(f.created_in_order)}`,
    `second_preview_changes=${f.second_preview_changes ?? "unknown"}`,
    `replace_only=${f.replace_only ?? "unknown"}`,
    `backup_before_replace=${yesNo(f.backup_before_replace)}`,
    `failed_backup_blocked_replace=${yesNo(f.failed_backup_blocked_replace)}`,
    `destroy_kept_data=${yesNo(f.destroy_kept_data)}`,
    `up_s=${f.up_s?.toFixed(1) ?? "unknown"}`,
    `preview_s=${f.preview_s?.toFixed(1) ?? "unknown"}`,
    `real=${f.real || "unknown"}`,
    `standins=${f.standins || "none"}`,
  ].join(" ");
}
