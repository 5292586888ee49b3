/** One line of doctor's report: what was checked, on what, the verdict, and how to fix a failure. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  check: string;
  /** The thing checked: a port, a path, a GPU, a file. */
  target: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warning or failure. */
  fix?: string;
}
