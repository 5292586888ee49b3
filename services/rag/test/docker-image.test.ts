/**
 * The RAG image, built from its Dockerfile on the local Node 24 base and run
 * by Docker: it starts as a non-root user, reads the read-only documents
 * mount, and its own HEALTHCHECK (node, no curl/python) turns the container
 * healthy when its dependencies answer and unhealthy when Qdrant goes away.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../common/src/http-app.ts";
import { createEmbeddingService } from "../../embedding/src/app.ts";
import { loadEmbeddingConfig } from "../../embedding/src/config.ts";
import { docker, dockerOk, waitForHealth } from "../../../test/support/docker-cli";
import { FakeEmbeddingLlamaServer } from "../../../test/support/fake-embedding-llama-server";
import { FakeLlamaServer } from "../../../test/support/fake-llama-server";
import { FakeQdrant } from "../../../test/support/fake-qdrant";
import { freePort } from "../../../test/support/free-ports";
import { pinnedServiceBaseImage } from "../../../test/support/node-base-image";
import { buildServiceImage, imageConfig, runServiceContainer } from "../../../test/support/service-image";

process.env.LOG_LEVEL ??= "error";

const NAME = `las-svc-test-${process.pid}-rag`;
const TAG = `local-ai-suite-test/rag:test-${process.pid}`;

let image: string;
let qdrant: FakeQdrant;
let llama: FakeEmbeddingLlamaServer;
let embedding: RunningServer;
let gateway: FakeLlamaServer;
let documents: string;
let port: number;

beforeAll(async () => {
  image = await buildServiceImage("rag", TAG);
  qdrant = new FakeQdrant({ apiKey: "qk-docker" });
  llama = new FakeEmbeddingLlamaServer();
  gateway = new FakeLlamaServer("gateway-stand-in");
  await Promise.all([qdrant.start(), llama.start(), gateway.start()]);
  embedding = await createEmbeddingService(loadEmbeddingConfig({ EMBEDDING_LLAMA_URL: llama.url })).listen(0, "127.0.0.1");
  documents = fs.mkdtempSync(path.join(os.tmpdir(), "rag-docker-docs-"));
  fs.writeFileSync(path.join(documents, "cats.md"), "Cats purr when they are content.");
  fs.chmodSync(documents, 0o755);
  fs.chmodSync(path.join(documents, "cats.md"), 0o644);
  port = await freePort();
}, 900_000);

afterAll(async () => {
  await docker(["rm", "-f", NAME]);
  await docker(["rmi", "-f", TAG]);
  await embedding?.close();
  await Promise.all([qdrant?.stop(), llama?.kill(), gateway?.kill()]);
  if (documents) fs.rmSync(documents, { recursive: true, force: true });
});

describe("the RAG image", () => {
  it("defaults to the pinned official Node 24 base, runs as uid 1000 and checks its health with node", async () => {
    expect(pinnedServiceBaseImage("rag")).toBe("node:24.19.0-bookworm-slim");
    expect(pinnedServiceBaseImage("embedding")).toBe(pinnedServiceBaseImage("rag"));
    expect(await imageConfig(image)).toEqual({
      user: "node",
      healthcheck: ["CMD", "node", "/app/rag/src/healthcheck.ts"],
      cmd: ["node", "/app/rag/src/main.ts"],
      exposed: ["8002/tcp"],
    });
  });

  it("turns healthy when Qdrant, embedding and the gateway answer, serves /index from the read-only mount, and turns unhealthy without Qdrant", async () => {
    await runServiceContainer(
      NAME,
      image,
      {
        RAG_PORT: String(port),
        RAG_HOST: "127.0.0.1",
        QDRANT_URL: qdrant.url,
        QDRANT_API_KEY: "qk-docker",
        EMBEDDING_URL: embedding.url,
        RAG_LLM_API_BASE: gateway.apiBase,
        RAG_LLM_API_KEY: "sk-docker",
        QDRANT_RETRY_MIN_WAIT: "0.05",
        QDRANT_RETRY_MAX_WAIT: "0.1",
      },
      [`${documents}:/app/documents:ro`],
    );
    await waitForHealth(NAME, "healthy", 60_000);
    expect((await dockerOk(["exec", NAME, "id", "-u"])).trim()).toBe("1000");

    const indexed = await fetch(`http://127.0.0.1:${port}/index?collection=docker`, { method: "POST" });
    expect(indexed.status).toBe(200);
    expect(await indexed.json()).toMatchObject({ collection: "docker", chunks: 1, indexed_files: [{ file: "cats.md", chunks: 1 }] });
    expect(qdrant.points("docker")).toHaveLength(1);

    await qdrant.stop();
    const unhealthy = await waitForHealth(NAME, "unhealthy", 60_000);
    expect(unhealthy.log.at(-1)).toContain("answered 503");
    expect(unhealthy.log.at(-1)).toContain("qdrant unreachable");

    await qdrant.start();
    await waitForHealth(NAME, "healthy", 60_000);
  }, 240_000);
});
