/**
 * What the engine hands each kind of policy on a first `pulumi preview` (empty
 * state), built from a resource captured under mocks:
 * - resource policies get the program's inputs after the provider's check (a few
 *   defaults added), with every value that comes from a resource not created
 *   yet unknown (an image id, a generated key in `envs`);
 * - stack policies get the provider's planned outputs: every field of the
 *   resource's schema, `null` (or an empty list) when unset, nested defaults
 *   filled in, set-like lists in the provider's order, and every computed field
 *   unknown (for a container: its entrypoint and command when the program set
 *   none, runtime, hostname, ...).
 * These shapes were read off real previews of p2 and p3 with a capturing policy
 * pack; test/engine/policy-shapes.test.ts runs that capture again and fails when
 * this file no longer reproduces it.
 */
import type { CapturedResource } from "./mock-program";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Marks a value the engine does not know yet; engine views hold it where the SDK's sentinel will go. */
export const UNKNOWN = Symbol("unknown");

/** Inputs the docker provider's check adds to a container when the program leaves them out. */
const CONTAINER_CHECK_DEFAULTS: Record<string, unknown> = {
  containerReadRefreshTimeoutMilliseconds: 15000,
  mustRun: true,
  networkMode: "bridge",
  readOnly: false,
  removeVolumes: true,
  start: true,
};

/** A container's planned outputs for fields the program did not set (after the check defaults). */
const CONTAINER_OUTPUT_DEFAULTS: Record<string, unknown> = {
  attach: false,
  capabilities: null,
  cgroupParent: null,
  cgroupnsMode: null,
  cpuPeriod: null,
  cpuQuota: null,
  cpuSet: null,
  cpuShares: null,
  cpus: null,
  destroyGraceSeconds: null,
  deviceReadBps: [],
  deviceReadIops: [],
  deviceRequests: [],
  deviceWriteBps: [],
  deviceWriteIops: [],
  devices: [],
  dns: null,
  dnsOpts: null,
  dnsSearches: null,
  domainname: null,
  envs: null,
  gpus: null,
  groupAdds: null,
  healthcheck: null,
  hosts: [],
  labels: [],
  logDriver: null,
  logOpts: null,
  logs: false,
  maxRetryCount: null,
  memory: null,
  memoryReservation: 0,
  memorySwap: null,
  mounts: [],
  networksAdvanced: [],
  pidMode: null,
  ports: [],
  privileged: null,
  publishAllPorts: null,
  restart: "no",
  rm: false,
  securityOpts: null,
  stdinOpen: false,
  storageOpts: null,
  sysctls: null,
  tmpfs: null,
  tty: false,
  ulimits: [],
  uploads: [],
  user: null,
  usernsMode: null,
  volumes: [],
  wait: false,
  waitTimeout: 60,
  workingDir: null,
};

/** Computed container outputs: unknown until the container exists. */
const CONTAINER_COMPUTED = [
  "bridge",
  "containerLogs",
  "exitCode",
  "hostname",
  "id",
  "image",
  "init",
  "ipcMode",
  "networkDatas",
  "platform",
  "runtime",
  "shmSize",
  "stopSignal",
  "stopTimeout",
];
/** Read back from the image when the program sets none (or, for envs, an empty list). */
const CONTAINER_COMPUTED_UNLESS_SET = ["command", "entrypoints", "envs"];

/** Nested defaults the provider fills into list entries. */
const ENTRY_DEFAULTS: Record<string, Record<string, unknown>> = {
  deviceRequests: { count: 0, options: null },
  networksAdvanced: { driverOpts: [], gwPriority: null, ipv4Address: "", ipv6Address: "", linkLocalIps: [], macAddress: "" },
  volumes: { fromContainer: "", selinuxRelabel: "", volumeName: "" },
  uploads: { contentBase64: "", executable: false, source: "", sourceHash: "" },
  mounts: { bindOptions: null, tmpfsOptions: null, volumeOptions: null },
};

/**
 * Lists the provider keeps as sets: it reads them back in an order of its own
 * (by element hash), which no policy relies on. Compare them as sets.
 */
export const SET_FIELDS: Record<string, readonly string[]> = {
  [CONTAINER]: [
    "envs",
    "labels",
    "volumes",
    "uploads",
    "mounts",
    "ports",
    "devices",
    "groupAdds",
    "securityOpts",
    "dns",
    "dnsOpts",
    "dnsSearches",
    "hosts",
    "ulimits",
  ],
};

const REMOTE_IMAGE_OUTPUT_DEFAULTS = { build: null, forceRemove: null, platform: null, pullTriggers: null, triggers: null };
const REMOTE_IMAGE_COMPUTED = ["id", "imageId", "repoDigest"];
const NETWORK_OUTPUT_DEFAULTS = { attachable: null, ingress: null, ipamOptions: null, ipv6: null };
/** Computed unless the program sets them (`internal`: the healer's private network). */
const NETWORK_COMPUTED = ["id", "internal", "ipamConfigs", "options", "scope"];
const VOLUME_OUTPUT_DEFAULTS = { cluster: null, driverOpts: null };
const VOLUME_COMPUTED = ["driver", "id", "mountpoint"];
const RANDOM_PASSWORD_OUTPUT_DEFAULTS = {
  lower: true,
  minLower: 0,
  minNumeric: 0,
  minSpecial: 0,
  minUpper: 0,
  number: true,
  numeric: true,
  upper: true,
};
const RANDOM_PASSWORD_COMPUTED = ["bcryptHash", "id", "result"];

/** Resources whose outputs are unknown on a first preview (none exists yet): all of them, by URN. */
function createdLater(r: CapturedResource, all: readonly CapturedResource[]): (urn: string) => boolean {
  const custom = new Set(all.filter((x) => x.custom).map((x) => x.urn));
  return (urn) => urn !== r.urn && custom.has(urn);
}

/** Input paths (`image`, `envs[20]`) whose value comes from a resource the preview has not created yet. */
function unknownInputPaths(r: CapturedResource, all: readonly CapturedResource[]): string[] {
  const later = createdLater(r, all);
  const paths: string[] = [];
  for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
    const fedByUnknown = urns.some(
      (u) =>
        later(u) &&
        producesUnknown(
          all.find((x) => x.urn === u)!,
          prop,
        ),
    );
    if (!fedByUnknown) continue;
    // A list that mixes plain entries and one entry from another resource: only that entry (a secret) is unknown.
    const entries = r.secretPaths.filter((p) => p.startsWith(`${prop}[`));
    if (Array.isArray(r.inputs[prop]) && entries.length > 0) paths.push(...entries);
    else paths.push(prop);
  }
  return paths;
}

/** Whether the output a dependent reads from `feeder` is unknown on a first preview. */
function producesUnknown(feeder: CapturedResource, _prop: string): boolean {
  // Images (imageId), generated passwords (result) and networks (id) are computed; a network's name is set by the program.
  return feeder.type === REMOTE_IMAGE || feeder.type === RANDOM_PASSWORD;
}

/** The props a resource policy sees on a first preview. */
export function resourcePolicyProps(r: CapturedResource, all: readonly CapturedResource[]): Record<string, unknown> {
  const props = structuredClone(r.inputs);
  if (r.type === CONTAINER) {
    for (const [k, v] of Object.entries(CONTAINER_CHECK_DEFAULTS)) if (props[k] === undefined) props[k] = v;
    if (props.build === undefined) delete props.build;
    // A healthcheck without start_interval (engines before API 1.44) gets "0s", which the daemon treats as unset.
    if (props.healthcheck && typeof props.healthcheck === "object")
      props.healthcheck = { startInterval: "0s", ...(props.healthcheck as object) };
  }
  if (r.type === NETWORK && props.ipamDriver === undefined) props.ipamDriver = "default";
  if (r.type === REMOTE_IMAGE && props.build && typeof props.build === "object") {
    props.build = { remove: true, ...(props.build as object) };
  }
  for (const path of unknownInputPaths(r, all)) setUnknown(props, path);
  return props;
}

const holdsUnknown = (v: unknown): boolean =>
  v === UNKNOWN || (v !== null && typeof v === "object" && Object.values(v as Record<string, unknown>).some(holdsUnknown));

/** The props a stack policy sees on a first preview. */
export function stackPolicyProps(r: CapturedResource, all: readonly CapturedResource[]): Record<string, unknown> {
  const inputs = resourcePolicyProps(r, all);
  switch (r.type) {
    case CONTAINER: {
      const props: Record<string, unknown> = { ...CONTAINER_OUTPUT_DEFAULTS, ...inputs };
      for (const [field, defaults] of Object.entries(ENTRY_DEFAULTS)) {
        if (Array.isArray(props[field])) props[field] = (props[field] as Record<string, unknown>[]).map((e) => ({ ...defaults, ...e }));
      }
      // A set's planned order is the provider's (by element hash); an element it cannot hash yet (an upload
      // whose content is a generated secret) comes after the others.
      for (const field of SET_FIELDS[CONTAINER]!) {
        const list = props[field];
        if (Array.isArray(list)) props[field] = [...list.filter((e) => !holdsUnknown(e)), ...list.filter(holdsUnknown)];
      }
      // A list holding one unknown entry is planned as unknown as a whole.
      for (const field of Object.keys(props))
        if (Array.isArray(props[field]) && (props[field] as unknown[]).includes(UNKNOWN)) props[field] = UNKNOWN;
      // Computed fields the program set stay as set (image: an id from a RemoteImage not pulled yet is unknown anyway).
      for (const field of CONTAINER_COMPUTED) if (inputs[field] === undefined || field === "image") props[field] = UNKNOWN;
      for (const field of CONTAINER_COMPUTED_UNLESS_SET) {
        const value = inputs[field];
        if (value === undefined || (field === "envs" && Array.isArray(value) && value.length === 0)) props[field] = UNKNOWN;
      }
      return props;
    }
    case REMOTE_IMAGE: {
      const props: Record<string, unknown> = { ...REMOTE_IMAGE_OUTPUT_DEFAULTS, ...inputs };
      if (props.build && typeof props.build === "object") props.build = { ...BUILD_DEFAULTS, ...(props.build as object) };
      for (const field of REMOTE_IMAGE_COMPUTED) props[field] = UNKNOWN;
      return props;
    }
    case NETWORK: {
      const props: Record<string, unknown> = { ...NETWORK_OUTPUT_DEFAULTS, ...inputs };
      for (const field of NETWORK_COMPUTED) if (inputs[field] === undefined) props[field] = UNKNOWN;
      return props;
    }
    case VOLUME: {
      const props: Record<string, unknown> = { ...VOLUME_OUTPUT_DEFAULTS, ...inputs };
      for (const field of VOLUME_COMPUTED) props[field] = UNKNOWN;
      return props;
    }
    case RANDOM_PASSWORD: {
      const props: Record<string, unknown> = { ...RANDOM_PASSWORD_OUTPUT_DEFAULTS, ...inputs };
      for (const field of RANDOM_PASSWORD_COMPUTED) props[field] = UNKNOWN;
      return props;
    }
    default:
      return inputs;
  }
}

/** What the provider fills into a RemoteImage's `build` block. */
const BUILD_DEFAULTS: Record<string, unknown> = {
  additionalContexts: [],
  authConfigs: [],
  buildArgs: null,
  buildId: "",
  buildLogFile: "",
  builder: "",
  cacheFroms: [],
  cacheTos: [],
  cgroupParent: "",
  cpuPeriod: null,
  cpuQuota: null,
  cpuSetCpus: "",
  cpuSetMems: "",
  cpuShares: null,
  extraHosts: [],
  forceRemove: null,
  isolation: "",
  label: null,
  labels: null,
  memory: null,
  memorySwap: null,
  networkMode: "",
  noCache: null,
  platform: "",
  provenance: "",
  pullParent: null,
  remoteContext: "",
  remove: true,
  sbom: "",
  secrets: [],
  securityOpts: [],
  sessionId: "",
  shmSize: null,
  squash: null,
  suppressOutput: null,
  tags: [],
  target: "",
  ulimits: [],
  useLegacyBuilder: false,
  version: "",
};

/** Sets the value at `path` ("envs[20]" or "image") to UNKNOWN. */
function setUnknown(props: Record<string, unknown>, path: string): void {
  const entry = /^(\w+)\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (!entry) {
    props[path] = UNKNOWN;
    return;
  }
  const list = props[entry[1]!] as unknown[];
  const i = Number(entry[2]);
  // `uploads[0].content`: one field of an entry (a shipped file whose content is a generated secret).
  if (entry[3]) list[i] = { ...(list[i] as object), [entry[3]]: UNKNOWN };
  else list[i] = UNKNOWN;
}

/**
 * Replaces UNKNOWN markers with the policy SDK's sentinels and wraps the result
 * in its unknown-checking proxy, exactly as the analyzer does.
 */
export function asEngineProps(
  props: Record<string, unknown>,
  sdk: { unknownCheckingProxy: (o: any) => any },
  sentinels: { unknownStringValue: string },
): Record<string, any> {
  const replace = (v: unknown): unknown => {
    if (v === UNKNOWN) return sentinels.unknownStringValue;
    if (Array.isArray(v)) return v.map(replace);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
    return v;
  };
  return sdk.unknownCheckingProxy(replace(props));
}

/** The known part of an engine view and the paths of its unknown values, as the capturing pack records them. */
export function knownAndUnknown(value: unknown, at = "", unknown: string[] = []): { value: unknown; unknown: string[] } {
  const walk = (v: unknown, path: string): unknown => {
    if (v === UNKNOWN) {
      unknown.push(path);
      return undefined;
    }
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v))
      return v.map((x, i) => walk(x, path ? `${path}.${i}` : String(i))).filter((_, i) => (v as unknown[])[i] !== UNKNOWN);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = walk(x, path ? `${path}.${k}` : k);
      if (x !== UNKNOWN) out[k] = r;
    }
    return out;
  };
  return { value: walk(value, at), unknown };
}
