/** Index paths that try to leave the documents directory: through a symlink, with a NUL byte. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveTarget } from "../src/documents.ts";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-escape-"));
const root = path.join(work, "documents");
const outside = path.join(work, "private");
fs.mkdirSync(path.join(root, "notes"), { recursive: true });
fs.mkdirSync(outside);
fs.writeFileSync(path.join(root, "notes", "a.md"), "inside");
fs.writeFileSync(path.join(outside, "secret.md"), "outside");
fs.symlinkSync(outside, path.join(root, "linked-dir"));
fs.symlinkSync(path.join(outside, "secret.md"), path.join(root, "linked.md"));
fs.symlinkSync(path.join(root, "notes", "a.md"), path.join(root, "notes", "alias.md"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const refused = async (relPath: string) => {
  try {
    await resolveTarget(root, relPath);
    return undefined;
  } catch (error) {
    return { status: (error as { status: number }).status, message: (error as Error).message };
  }
};

describe("resolveTarget", () => {
  it("refuses a symlink that leads out of the documents directory, to a directory or a file", async () => {
    for (const p of ["linked-dir", "linked.md", "linked-dir/secret.md"])
      expect(await refused(p), p).toEqual({
        status: 400,
        message: expect.stringContaining("leads out of the documents directory through a symlink"),
      });
  });

  it("never lists a symlink when it walks a directory, even one that stays inside", async () => {
    const target = await resolveTarget(root, ".");
    expect(target.documents.map((d) => d.id)).toEqual(["notes/a.md"]);
  });

  it("refuses a NUL byte in the path", async () => {
    expect(await refused("notes/a.md\0.txt")).toEqual({ status: 400, message: expect.stringContaining("NUL byte") });
  });
});
