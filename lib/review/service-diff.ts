/**
 * What changes between two plans of one stack, per service and field, and
 * what `up` will do to each container: pure, from the ServiceSpecs alone.
 * A container whose spec changes is replaced: the component gives the
 * provider every field of the spec, and the docker provider recreates a
 * container for a change of its image, argv, env, ports, mounts, uploads,
 * labels or healthcheck (the deploy suite and the layout test see only
 * replaces, never updates). Secret values never appear: env names only.
 */
import { canonicalJson } from "../plan/change-digest";
import type { ServiceSpec } from "../plan/service-spec";

export type ContainerAction = "create" | "replace" | "delete" | "none";

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface ServiceChange {
  service: string;
  action: ContainerAction;
  fields: FieldChange[];
}

/** The fields a reviewer reads, as text; a file is its path and the first 12 hex of its content's digest. */
function fieldsOf(s: ServiceSpec): Record<string, string> {
  const env = Object.entries(s.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return {
    image: s.image.ref,
    command: (s.command ?? []).join(" "),
    entrypoint: (s.entrypoint ?? []).join(" "),
    env: env.join(" "),
    "secret env (names)": Object.keys(s.secretEnv).sort().join(" "),
    ports: s.ports.map((p) => `${p.ip}:${p.external}->${p.internal}`).join(" "),
    mounts: [
      ...s.binds.map((b) => `${b.hostPath}:${b.containerPath}${b.readOnly ? ":ro" : ""}`),
      ...s.volumes.map((v) => `${v.volume}:${v.containerPath}${v.readOnly ? ":ro" : ""}`),
    ].join(" "),
    files: s.files.map((f) => `${f.path}${f.secret ? ` (secret ${f.secret})` : ` #${contentId(f.content)}`}`).join(" "),
    limits: `${s.limits.memoryMiB} MiB, ${s.limits.cpus} CPUs`,
    healthcheck: canonicalJson(s.healthcheck),
    dependsOn: [...s.dependsOn].sort().join(" "),
    lifecycle: canonicalJson(s.lifecycle),
    gpu: (s.gpuDeviceIds ?? []).join(" "),
  };
}

function contentId(text: string): string {
  // FNV-1a, enough to tell a reviewer that a file's content changed (the diff is in the files themselves).
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

export function diffServices(base: readonly ServiceSpec[], head: readonly ServiceSpec[]): ServiceChange[] {
  const before = new Map(base.map((s) => [s.service, s]));
  const after = new Map(head.map((s) => [s.service, s]));
  const names = [...new Set([...head.map((s) => s.service), ...base.map((s) => s.service)])];
  return names.map((service): ServiceChange => {
    const b = before.get(service);
    const a = after.get(service);
    if (!b) return { service, action: "create", fields: [] };
    if (!a) return { service, action: "delete", fields: [] };
    const fb = fieldsOf(b);
    const fa = fieldsOf(a);
    const fields = Object.keys(fa)
      .filter((k) => fa[k] !== fb[k])
      .map((field) => ({ field, before: fb[field]!, after: fa[field]! }));
    // Anything else the spec holds (labels, logging, the restart policy) still reaches the container.
    const changed = fields.length > 0 || canonicalJson(a) !== canonicalJson(b);
    return { service, action: changed ? "replace" : "none", fields };
  });
}
