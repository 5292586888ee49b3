/**
 * What changes between two plans of one stack, per service and field, and
 * what `up` will do to each container: pure, from the ServiceSpecs alone.
 * The step is the provider's own rule applied to the very properties the
 * Service component hands it (lib/docker/container-properties.ts): a change
 * of a property the provider updates in place is an update, of any other (or
 * of one the plan lists in replaceOnChanges) a replace; a change that reaches
 * no property (a dependency, a timeout, the backup) leaves the container.
 * Secret values never appear: env names, and which secret was rotated.
 */
import type { SecretKey } from "../config/schema";
import { containerNetworks, fileModeOf, plainContainerProperties, UPDATED_IN_PLACE } from "../docker/container-properties";
import { canonicalJson } from "../plan/change-digest";
import { secretFileContent, secretKeysOf, type ServiceSpec } from "../plan/service-spec";

export type ContainerAction = "create" | "replace" | "update" | "delete" | "none";

/**
 * Each stack secret's version as the stack file shows it without decrypting
 * (a digest of its ciphertext; absent: generated once and kept in state).
 * A secret whose version differs between the plans was rotated.
 */
export type SecretVersions = Partial<Record<SecretKey, string>>;

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface ServiceChange {
  service: string;
  action: ContainerAction;
  fields: FieldChange[];
  /** The provider's properties that change (what `pulumi preview` lists as the step's diff). */
  properties: string[];
}

/** The fields a reviewer reads, as text; a file is its path and the first 12 hex of its content's digest. */
function fieldsOf(s: ServiceSpec): Record<string, string> {
  const env = Object.entries(s.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return {
    image: s.image.ref,
    "image source": s.image.kind === "build" ? `${s.image.context} ${s.image.dockerfile} #${s.image.sourceDigest ?? "?"}` : "",
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

export function contentId(text: string): string {
  // FNV-1a, enough to tell a reviewer that a file's content changed (the diff is in the files themselves).
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/**
 * The container's properties as the provider will see them, with what only a
 * deploy knows stood in for: the image by its reference or build recipe, a
 * secret by its key and version, a volume and the network by name.
 */
function providerView(s: ServiceSpec, secrets: SecretVersions): Record<string, unknown> {
  const secret = (key: SecretKey) => `<secret ${key} ${secrets[key] ?? "generated"}>`;
  const image = s.image.kind === "registry" ? s.image.ref : { ...s.image, configKey: undefined };
  return {
    ...plainContainerProperties(s),
    image,
    envs: [...Object.entries(s.env).map(([k, v]) => `${k}=${v}`), ...Object.entries(s.secretEnv).map(([k, key]) => `${k}=${secret(key)}`)],
    mounts: s.volumes.map((v) => ({ type: "volume", source: v.volume, target: v.containerPath, readOnly: v.readOnly })),
    uploads: s.files.map((f) => ({
      file: f.path,
      content: f.secret ? secretFileContent(f, secret(f.secret)) : f.content,
      ...fileModeOf(s, f),
    })),
    networksAdvanced: containerNetworks(s).map(({ network, aliases }) => ({ name: network, aliases })),
  };
}

/** The provider's step for a container whose properties go from `before` to `after`. */
export function containerStep(
  before: ServiceSpec,
  after: ServiceSpec,
  secrets: { before: SecretVersions; after: SecretVersions },
): { action: "replace" | "update" | "none"; properties: string[] } {
  const b = providerView(before, secrets.before);
  const a = providerView(after, secrets.after);
  const properties = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null))
    .sort();
  if (properties.length === 0) return { action: "none", properties };
  const inPlace = properties.every((p) => UPDATED_IN_PLACE.has(p) && !after.lifecycle.replaceOnChanges.includes(p));
  return { action: inPlace ? "update" : "replace", properties };
}

const rotated = (key: SecretKey, secrets: { before: SecretVersions; after: SecretVersions }) =>
  (secrets.before[key] ?? "generated") !== (secrets.after[key] ?? "generated");

export function diffServices(
  base: readonly ServiceSpec[],
  head: readonly ServiceSpec[],
  secrets: { before: SecretVersions; after: SecretVersions } = { before: {}, after: {} },
): ServiceChange[] {
  const before = new Map(base.map((s) => [s.service, s]));
  const after = new Map(head.map((s) => [s.service, s]));
  const names = [...new Set([...head.map((s) => s.service), ...base.map((s) => s.service)])];
  return names.map((service): ServiceChange => {
    const b = before.get(service);
    const a = after.get(service);
    if (!b) return { service, action: "create", fields: [], properties: [] };
    if (!a) return { service, action: "delete", fields: [], properties: [] };
    const fb = fieldsOf(b);
    const fa = fieldsOf(a);
    const fields = Object.keys(fa)
      .filter((k) => fa[k] !== fb[k])
      .map((field) => ({ field, before: fb[field]!, after: fa[field]! }));
    const keys = secretKeysOf(a);
    for (const key of keys.filter((k) => rotated(k, secrets)))
      fields.push({ field: `secret ${key}`, before: secrets.before[key] ?? "generated", after: secrets.after[key] ?? "generated" });
    return { service, ...containerStep(b, a, secrets), fields };
  });
}
