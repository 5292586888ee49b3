/** The pre-change backup under mocks: which containers get one, what it runs, and that the container waits for it. */
import { beforeAll, describe, expect, it } from "vitest";
import { containerChangeDigest } from "../lib/plan/change-digest";
import { shellCommand } from "../lib/shell";
import { byUrn, type CapturedResource, type CapturedStack, containerNamed, PROJECT_DIR, runStackFile } from "./support/pulumi-harness";

const COMMAND = "command:local:Command";
const DATA_HOLDERS = ["qdrant", "mcp-server", "memory-api", "memory-maintainer"];

let p3: CapturedStack;
beforeAll(async () => {
  p3 = await runStackFile("p3");
});

const backups = (stack: CapturedStack) => stack.resources.filter((r) => r.type === COMMAND);
const backupOf = (stack: CapturedStack, container: string): CapturedResource | undefined =>
  containerNamed(stack, container)
    .dependencies.map((urn) => byUrn(stack, urn))
    .find((r) => r?.type === COMMAND);

describe("pre-change backup", () => {
  it("comes before each data-holding container, and before no other", () => {
    expect(
      backups(p3)
        .map((r) => r.name.replace(/^.*?-(qdrant|mcp-server|memory-api|memory-maintainer)-pre-change-backup$/, "$1"))
        .sort(),
    ).toEqual([...DATA_HOLDERS].sort());
    for (const name of DATA_HOLDERS) expect(backupOf(p3, name), name).toBeDefined();
    for (const name of ["inference-chat", "api-gateway", "rag", "prometheus"]) expect(backupOf(p3, name), name).toBeUndefined();
  });

  it("runs the backup task's container mode on the old container, into the stack's pre-change folder", () => {
    const qdrant = backupOf(p3, "qdrant")!;
    expect(qdrant.inputs.dir).toBe(PROJECT_DIR);
    // The mocks' project root is the placeholder "rootDirectory".
    expect(qdrant.inputs.create).toBe(
      shellCommand([
        "node",
        "node_modules/tsx/dist/cli.mjs",
        "scripts/backup.ts",
        "--stack",
        "p3",
        "--container",
        "qdrant",
        "--missing-ok",
        "--dir",
        "rootDirectory/backups/p3/pre-change/qdrant",
        "--keep",
        "5",
      ]),
    );
    expect(shellCommand(["a b", "it's", "--x=1"])).toBe(`'a b' 'it'\\''s' --x=1`);
  });

  it("reruns when the planned container, its image or its secrets change, and keeps the secrets' digest secret", async () => {
    const qdrant = backupOf(p3, "qdrant")!;
    const [digest, imageId, secrets] = qdrant.inputs.triggers as string[];
    expect(digest).toMatch(/^[0-9a-f]{32}$/);
    expect(imageId).toBeTruthy();
    expect(secrets).toMatch(/^[0-9a-f]{32}$/);
    // Encrypted in state (the digest of a weak set secret would give it away), plain in the inputs: the command
    // provider refuses an unknown secret, which a generated key's digest is on a first preview.
    expect(qdrant.options.additionalSecretOutputs).toEqual(["triggers"]);
    expect(qdrant.secretPaths).not.toContain("triggers[2]");

    const moved = await runStackFile("p3", { qdrant: { httpPort: 16333 } });
    expect(backupOf(moved, "qdrant")!.inputs.triggers[0]).not.toBe(digest);
    // Nothing that reaches Qdrant changed: the memory services' triggers stay.
    expect(backupOf(moved, "memory-api")!.inputs.triggers).toEqual(backupOf(p3, "memory-api")!.inputs.triggers);
  });

  it("is off with backup.beforeChange false, and goes where backup.dir says", async () => {
    expect(backups(await runStackFile("p3", { backup: { beforeChange: false } }))).toEqual([]);
    const elsewhere = await runStackFile("p3", { backup: { dir: "/srv/backups", keepBeforeChange: 2 } });
    expect(backupOf(elsewhere, "memory-api")!.inputs.create).toContain("--dir /srv/backups/p3/pre-change/memory-api --keep 2");
  });
});

describe("containerChangeDigest", () => {
  it("does not depend on key order, and changes with any value", () => {
    const a = { service: "x", env: { A: "1", B: "2" } } as never;
    const b = { env: { B: "2", A: "1" }, service: "x" } as never;
    expect(containerChangeDigest(a)).toBe(containerChangeDigest(b));
    expect(containerChangeDigest({ service: "x", env: { A: "1", B: "3" } } as never)).not.toBe(containerChangeDigest(a));
  });
});
