/**
 * What the program does on the host around each container, beyond creating it:
 * watching its health and backing its data up before a change. The program
 * (program/) implements them; under mocks they are absent or inert, so the
 * components never touch a process or the disk themselves.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../lib/plan/service-spec";

export interface ServiceOps {
  /**
   * Reads the running container's health (absent under mocks and in a preview).
   * With it, a failed health wait names the service and its last probe output,
   * and every `up` fails while the container is unhealthy.
   */
  healthWatch?: HealthWatch;
  /** Builds the pre-change backup command of a spec with lifecycle.backupBeforeChange. */
  preChangeBackup?: PreChangeBackup;
}

export interface HealthWatch {
  /** Why the container is not healthy: its health state and last probe output. */
  diagnose(service: string, containerName: string): Promise<string>;
  /** Resolves once the container is healthy; rejects with the diagnosis once it cannot be. */
  verify(service: string, containerName: string, waitTimeoutSec: number): Promise<void>;
}

export interface PreChangeBackup {
  /** The shell command that backs the service's data up from its running container, and where it runs. */
  commandFor(spec: ServiceSpec): { create: string; dir: string; environment?: Record<string, pulumi.Input<string>> };
}
