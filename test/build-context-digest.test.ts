/** A locally built image's source digest: what its Dockerfile copies from the context, .dockerignore applied. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerfileSources } from "../lib/docker/dockerfile-sources";
import { dockerignoreMatcher } from "../lib/docker/dockerignore";
import { buildContextDigest } from "../program/build-context-digest";

describe(".dockerignore as Docker reads it", () => {
  const ignored = dockerignoreMatcher("# comment\n**/test\n**/node_modules\n**/*.md\n!keep.md\n/build/\ntmp?\n");
  it.each([
    ["rag/test/x.ts", true],
    ["rag/src/test.ts", false],
    ["node_modules/a/b.js", true],
    ["rag/node_modules", true],
    ["README.md", true],
    ["keep.md", false],
    ["build/out.js", true],
    ["tmp1", true],
    ["tmp12", false],
    ["rag/src/main.ts", false],
  ])("%s ignored: %s", (p, expected) => expect(ignored(p)).toBe(expected));
});

describe("a Dockerfile's context sources", () => {
  it("reads COPY and ADD sources, skips another stage's, and gives up on what is not a plain path", () => {
    expect(
      dockerfileSources(
        'FROM x AS build\nCOPY --chown=node:node package.json ./\nCOPY common/src \\\n  /app/common/src\nADD ["rag/src", "/app/rag/src"]\nCOPY --from=build /out /app\n',
      ),
    ).toEqual(["package.json", "common/src", "rag/src"]);
    expect(dockerfileSources("COPY src/*.ts /app/")).toBeUndefined();
    expect(dockerfileSources("COPY $DIR /app/")).toBeUndefined();
    expect(dockerfileSources("ADD https://example.com/x.tgz /app/")).toBeUndefined();
  });
});

describe("the source digest of an image built from a shared context", () => {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "context-"));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(context, rel)), { recursive: true });
    fs.writeFileSync(path.join(context, rel), text);
  };
  write(".dockerignore", "**/test\n**/*.md\n");
  write("package.json", "{}");
  write("common/src/a.ts", "a");
  for (const s of ["rag", "embedding"]) {
    write(`${s}/Dockerfile`, `FROM base\nCOPY package.json /app/\nCOPY common/src /app/common/src\nCOPY ${s}/src /app/${s}/src\n`);
    write(`${s}/src/main.ts`, s);
  }
  const digests = () => ({
    rag: buildContextDigest(context, "rag/Dockerfile"),
    embedding: buildContextDigest(context, "embedding/Dockerfile"),
  });

  it("changes for a change to what the image copies, and only that image's", () => {
    const before = digests();
    expect(before.rag).toMatch(/^[0-9a-f]{16}$/);
    write("rag/src/main.ts", "rag v2");
    const after = digests();
    expect(after.rag).not.toBe(before.rag);
    expect(after.embedding).toBe(before.embedding);
    write("common/src/a.ts", "a v2");
    expect(digests().embedding).not.toBe(after.embedding);
  });

  it("stays for what the image never sees: ignored files, a sibling's tests, files outside its sources", () => {
    const before = digests();
    write("rag/src/test/x.ts", "x");
    write("rag/src/NOTES.md", "notes");
    write("rag/other/y.ts", "y");
    expect(digests()).toEqual(before);
    write("rag/Dockerfile", fs.readFileSync(path.join(context, "rag/Dockerfile"), "utf8") + "ENV X=1\n");
    expect(digests().rag).not.toBe(before.rag);
  });

  it("is undefined for a context not on this machine", () => {
    expect(buildContextDigest(path.join(context, "missing"), "Dockerfile")).toBeUndefined();
  });
});
