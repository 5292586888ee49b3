/**
 * Runs the real Pulumi program (index.ts) under Pulumi's mocks and captures
 * every registered resource with its inputs, parent, dependencies and resource
 * options, by wrapping the mock monitor's registerResource. The unit tests run
 * every stack this way; `npm run review` runs the head's plan through the
 * policy pack this way (run-pack.ts), with no engine, state or Docker.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { UNDER_MOCKS_ENV } from "../../program/runtime";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface CapturedOptions {
  deleteBeforeReplace: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  customTimeouts?: { create?: string; update?: string; delete?: string };
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  replaceOnChanges: string[];
}

export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  /** URN of the parent resource ("" for the stack). */
  parent: string;
  /** Inputs with secrets unwrapped; `secretPaths` lists where secrets were. */
  inputs: Record<string, any>;
  secretPaths: string[];
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  options: CapturedOptions;
}

export interface CapturedStack {
  stack: string;
  resources: CapturedResource[];
  outputs: Record<string, any>;
}

/** A stack file's project config as Pulumi hands it to the program (objects JSON-encoded). */
export function stackFileConfig(stack: string): Record<string, string> {
  const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  return encodeConfig(doc.config ?? {});
}

export function encodeConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `local-ai-suite:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function unwrapSecrets(value: any, at: string, secretPaths: string[]): any {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, secretPaths));
  if (value && typeof value === "object") {
    if (value[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") {
      secretPaths.push(at);
      return unwrapSecrets(value.value, at, secretPaths);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, secretPaths)]));
  }
  return value;
}

/** Computed outputs the real providers would return, so dependent inputs and edges survive. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage": {
      const digest = Buffer.from(String(inputs.name)).toString("hex").padEnd(64, "0").slice(0, 64);
      return { ...inputs, imageId: `sha256:${digest}`, repoDigest: `${inputs.name}@sha256:${digest}` };
    }
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: `generated${name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(inputs.length ?? 16, "x") };
    default:
      return { ...inputs, name: inputs.name ?? name };
  }
}

export interface RunOptions {
  stack: string;
  /** Project config as Pulumi passes it: `local-ai-suite:key` -> string (objects JSON-encoded). */
  config: Record<string, string>;
  /** Secret config values by short key (e.g. gatewayMasterKey). */
  secrets?: Record<string, string>;
  preview?: boolean;
}

/**
 * Unit runs plan for the oldest supported Docker Engine (API 1.41) unless the
 * config names one, so that they do not depend on the daemon of the machine
 * they run on (the program asks it when the stack says "auto").
 */
const PINNED_ENGINE = { "local-ai-suite:docker": JSON.stringify({ engineApiVersion: "1.41" }) };

export async function runProgram(options: RunOptions): Promise<CapturedStack> {
  process.env[UNDER_MOCKS_ENV] = "1";
  const resources: CapturedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) }),
      call: (args) => args.inputs,
    },
    "local-ai-suite",
    options.stack,
    options.preview ?? false,
  );
  const secretEntries = Object.entries(options.secrets ?? {}).map(([k, v]) => [`local-ai-suite:${k}`, v] as const);
  pulumi.runtime.setAllConfig(
    { ...PINNED_ENGINE, ...options.config, ...Object.fromEntries(secretEntries) },
    secretEntries.map(([k]) => k),
  );

  const monitor: any = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const secretPaths: string[] = [];
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v: any, k: string) => (propertyDependencies[k] = v.getUrnsList()));
    const timeouts = req.getCustomtimeouts?.();
    const record: CapturedResource = {
      type: req.getType(),
      name: req.getName(),
      urn: "",
      custom: req.getCustom(),
      parent: req.getParent(),
      inputs: unwrapSecrets(req.getObject()?.toJavaScript() ?? {}, "", secretPaths),
      secretPaths,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      options: {
        deleteBeforeReplace: req.getDeletebeforereplace(),
        protect: req.getProtect?.() ?? false,
        retainOnDelete: req.getRetainondelete?.() ?? false,
        customTimeouts: timeouts ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } : undefined,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
        additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
        replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
      },
    };
    resources.push(record);
    return register(req, (err: any, resp: any) => {
      if (resp) record.urn = resp.getUrn();
      callback(err, resp);
    });
  };

  const program = (await import("../../index")).default as unknown as () => Promise<Record<string, unknown>>;
  let exported: Record<string, unknown>;
  try {
    exported = await program();
  } catch (error) {
    // Lets tests prove that bad input fails before anything is registered.
    await (pulumi.runtime as any).waitForRPCs();
    throw Object.assign(error as Error, { registered: resources.length });
  }
  const outputs = (await (pulumi.output(exported) as any).promise()) as Record<string, any>;
  await (pulumi.runtime as any).waitForRPCs();
  return { stack: options.stack, resources, outputs };
}
