/**
 * Service: the one component every container of the suite goes through. It
 * turns a ServiceSpec (plain data from lib/plan) into an image and a
 * docker.Container; nothing service-specific is decided here.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { SecretKey } from "../lib/config/schema";
import { goSeconds } from "../lib/durations";
import { containerNetworks, fileModeOf, plainContainerProperties, STACK_NETWORK } from "../lib/docker/container-properties";
import { containerChangeDigest } from "../lib/plan/change-digest";
import { secretFileContent, secretKeysOf, type FileSpec, type ServiceSpec } from "../lib/plan/service-spec";
import type { HealthWatch, ServiceOps } from "./service-ops";
import { stackSecret } from "./stack-secrets";

export interface ServiceArgs {
  /** What to run; see lib/plan for the planners that produce it. */
  spec: ServiceSpec;
  /** The stack network; the container joins it with its service name as alias (unless spec.stackNetwork is false). */
  network: docker.Network;
  /**
   * The private networks by the plan's names, for spec.privateNetworks.
   * @default {} (a spec that names one then fails, naming it)
   */
  privateNetworks?: Record<string, docker.Network>;
  /** Services this one talks to, already created: it is created after they report healthy. */
  dependencies: Service[];
  /** Secret values by config key; only the ones named in spec.secretEnv are used. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
  /**
   * Named volumes by volume name, for spec.volumes.
   * @default {} (a spec that names a volume then fails, naming it)
   */
  volumes?: Record<string, docker.Volume>;
  /**
   * Health watch and pre-change backup, from the program (see ServiceOps).
   * @default none: no health verification after `up`, no backup before a change (unit tests, previews)
   */
  ops?: ServiceOps;
}

export class Service extends pulumi.ComponentResource {
  readonly spec: ServiceSpec;
  readonly image: docker.RemoteImage;
  readonly container: docker.Container;
  /** Backs the data up from the running container before `up` changes it (spec.lifecycle.backupBeforeChange). */
  readonly preChangeBackup?: command.local.Command;
  /** "healthy" once `up` saw the container healthy ("not checked" in a preview or without a health watch). */
  readonly health: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:service:Service", name, {}, opts);
    const { spec } = args;
    this.spec = spec;

    const { lifecycle } = spec;
    this.image = new docker.RemoteImage(
      `${name}-image`,
      spec.image.kind === "registry"
        ? { name: spec.image.ref, keepLocally: lifecycle.keepImage }
        : {
            name: spec.image.ref,
            keepLocally: lifecycle.keepImage,
            build: { context: spec.image.context, dockerfile: spec.image.dockerfile, buildArgs: spec.image.args },
            // The provider rebuilds under an unchanged tag only when a trigger changes.
            ...(spec.image.sourceDigest ? { triggers: { source: spec.image.sourceDigest } } : {}),
          },
      { parent: this },
    );

    this.preChangeBackup =
      lifecycle.backupBeforeChange && args.ops?.preChangeBackup ? this.backupCommand(name, args, args.ops.preChangeBackup) : undefined;

    this.container = new docker.Container(
      `${name}-container`,
      {
        ...plainContainerProperties(spec),
        image: this.image.imageId,
        envs: containerEnv(spec, args.secrets, this),
        mounts: spec.volumes.map((v) => ({
          type: "volume",
          source: volumeName(args.volumes, v.volume, this),
          target: v.containerPath,
          readOnly: v.readOnly,
        })),
        uploads: spec.files.map((f) => ({ file: f.path, content: fileContent(spec, f, args.secrets, this), ...fileModeOf(spec, f) })),
        networksAdvanced: containerNetworks(spec).map(({ network, aliases }) => ({
          name: network === STACK_NETWORK ? args.network.name : networkName(args.privateNetworks, network, this),
          aliases,
        })),
      },
      {
        parent: this,
        deleteBeforeReplace: lifecycle.deleteBeforeReplace,
        replaceOnChanges: lifecycle.replaceOnChanges,
        // After the backup: a failed backup leaves the old container as it was.
        dependsOn: [...args.dependencies.map((d) => d.container), ...(this.preChangeBackup ? [this.preChangeBackup] : [])],
        // Belt and braces: the env Output is already secret; this keeps `envs` encrypted in
        // state even if that ever changes, and lets the policy pack see the intent.
        additionalSecretOutputs: [
          ...(Object.keys(spec.secretEnv).length ? ["envs"] : []),
          // Same for files whose content is a secret (a token file).
          ...(spec.files.some((f) => f.secret) ? ["uploads"] : []),
        ],
        customTimeouts: { create: goSeconds(lifecycle.createTimeoutSec) },
        hooks: args.ops?.healthWatch ? { onError: [this.explainFailedWait(name, args.ops.healthWatch)] } : undefined,
      },
    );
    this.health = this.verifyHealth(args.ops?.healthWatch);

    this.registerOutputs({ containerName: this.container.name, imageId: this.image.imageId, health: this.health });
  }

  /**
   * Reruns whenever what decides the container changes (the planned spec, the
   * image, the secrets it gets), before the container's own step: then the old
   * container is still the one running. On a first deploy it finds no container
   * and backs nothing up.
   */
  private backupCommand(name: string, args: ServiceArgs, backup: NonNullable<ServiceOps["preChangeBackup"]>): command.local.Command {
    const { create, dir, environment } = backup.commandFor(this.spec);
    const secretKeys = secretKeysOf(this.spec);
    const secretsDigest = pulumi
      .all(
        secretKeys.map((key) =>
          stackSecret(args.secrets, key, { service: this.spec.service, usedFor: "the pre-change backup trigger", owner: this }),
        ),
      )
      .apply((values) => createHash("sha256").update(values.join("\0")).digest("hex").slice(0, 32));
    return new command.local.Command(
      `${name}-pre-change-backup`,
      {
        create,
        dir,
        environment,
        // The digest is plain here and secret in state: the command provider refuses a secret that is still unknown
        // ("malformed secret: missing value"), which a generated key's digest is on a first preview.
        triggers: [containerChangeDigest(this.spec), this.image.imageId, pulumi.unsecret(secretsDigest)],
      },
      { parent: this, additionalSecretOutputs: ["triggers"] },
    );
  }

  /** The provider says only "container failed to be in healthy state"; this says which service and what its probe printed. */
  private explainFailedWait(name: string, watch: HealthWatch): pulumi.ErrorHook {
    return new pulumi.ErrorHook(`${name}-explain-failed-health-wait`, async (failure) => {
      if (failure.errors.some((e) => e.includes("healthy state"))) {
        // On the stack, not the container: the engine drops diagnostics of a resource whose step just failed.
        pulumi.log.error(await watch.diagnose(this.spec.service, this.spec.containerName));
      }
      return false;
    });
  }

  /**
   * The provider waits for health only when it creates a container, so an `up`
   * after a failed wait could report success for a container still unhealthy.
   * On every `up` each container is checked once its step is done.
   */
  private verifyHealth(watch: HealthWatch | undefined): pulumi.Output<string> {
    if (!watch || pulumi.runtime.isDryRun()) return pulumi.output("not checked");
    const { service, containerName, lifecycle } = this.spec;
    return this.container.id.apply(async () => {
      try {
        await watch.verify(service, containerName, lifecycle.waitTimeoutSec);
        return "healthy";
      } catch (error) {
        pulumi.log.error((error as Error).message, this.container);
        return "unhealthy";
      }
    });
  }
}

/**
 * Plain entries stay plain strings and each secret entry is its own Output: a
 * preview then knows every entry but a generated key, and so do the policies.
 */
function containerEnv(spec: ServiceSpec, secrets: ServiceArgs["secrets"], owner: pulumi.Resource): pulumi.Input<string>[] {
  const plain = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const secretEntries = Object.entries(spec.secretEnv).map(
    ([envName, key]) => pulumi.interpolate`${envName}=${stackSecret(secrets, key, { service: spec.service, usedFor: envName, owner })}`,
  );
  return [...plain, ...secretEntries];
}

/** A secret file holds the stack secret (alone or in its template), kept a secret Output so state stores it encrypted. */
function fileContent(spec: ServiceSpec, file: FileSpec, secrets: ServiceArgs["secrets"], owner: pulumi.Resource): pulumi.Input<string> {
  if (!file.secret) return file.content;
  const value = stackSecret(secrets, file.secret, { service: spec.service, usedFor: file.path, owner });
  return pulumi.secret(value.apply((v) => secretFileContent(file, v)));
}

function volumeName(volumes: ServiceArgs["volumes"], volume: string, owner: pulumi.Resource): pulumi.Output<string> {
  const resource = volumes?.[volume];
  if (!resource)
    throw new pulumi.ResourceError(
      `volume "${volume}" is not defined by the stack (LocalAiSuite creates one per volume the plan names)`,
      owner,
    );
  return resource.name;
}

function networkName(networks: ServiceArgs["privateNetworks"], network: string, owner: pulumi.Resource): pulumi.Output<string> {
  const resource = networks?.[network];
  if (!resource)
    throw new pulumi.ResourceError(
      `network "${network}" is not defined by the stack (LocalAiSuite creates one per private network the plan names)`,
      owner,
    );
  return resource.name;
}
