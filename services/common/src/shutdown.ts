/** Stops a service cleanly on SIGTERM (docker stop) and SIGINT (Ctrl-C). */
import { log } from "./log.ts";

export function stopOnSignals(service: string, stop: () => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log("info", `${service}: ${signal}, closing`);
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

/** Prints a configuration error the way an operator can act on it, then exits 2. */
export function exitOnConfigError(service: string, error: Error): never {
  process.stderr.write(`${service}: ${error.message}\n`);
  process.exit(2);
}
