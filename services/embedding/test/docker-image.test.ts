/**
 * The embedding image, built from its Dockerfile on the local Node 24 base
 * and run by Docker: non-root, and its HEALTHCHECK requires `ok: true`, so
 * the container stays unhealthy while llama-server loads the model and turns
 * healthy once it has.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, waitForHealth } from "../../../test/support/docker-cli";
import { FakeEmbeddingLlamaServer } from "../../../test/support/fake-embedding-llama-server";
import { freePort } from "../../../test/support/free-ports";
import { buildServiceImage, imageConfig, runServiceContainer } from "../../../test/support/service-image";

const NAME = `las-svc-test-${process.pid}-embedding`;
const TAG = `local-ai-suite-test/embedding:test-${process.pid}`;

let image: string;
let llama: FakeEmbeddingLlamaServer;
let port: number;

beforeAll(async () => {
  image = await buildServiceImage("embedding", TAG);
  llama = new FakeEmbeddingLlamaServer({ state: "loading" });
  await llama.start();
  port = await freePort();
}, 900_000);

afterAll(async () => {
  await docker(["rm", "-f", NAME]);
  await docker(["rmi", "-f", TAG]);
  await llama?.kill();
});

describe("the embedding image", () => {
  it("runs as uid 1000 and checks its health with node", async () => {
    expect(await imageConfig(image)).toEqual({
      user: "node",
      healthcheck: ["CMD", "node", "/app/embedding/src/healthcheck.ts"],
      cmd: ["node", "/app/embedding/src/main.ts"],
      exposed: ["8003/tcp"],
    });
  });

  it("is unhealthy while llama-server is loading the model, healthy once it is loaded, unhealthy when llama-server dies", async () => {
    await runServiceContainer(NAME, image, {
      EMBEDDING_PORT: String(port),
      EMBEDDING_HOST: "127.0.0.1",
      EMBEDDING_LLAMA_URL: llama.url,
    });
    const loading = await waitForHealth(NAME, "unhealthy", 60_000);
    expect(loading.log.at(-1)).toContain('"ok" is false');
    expect(loading.log.at(-1)).toContain('"loading":true');
    expect((await dockerOk(["exec", NAME, "id", "-u"])).trim()).toBe("1000");

    llama.state = "ready";
    await waitForHealth(NAME, "healthy", 60_000);
    const embedded = await fetch(`http://127.0.0.1:${port}/embed`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ texts: ["hello"] }),
    });
    expect(await embedded.json()).toMatchObject({ dim: 384, model: "BAAI/bge-small-en-v1.5", normalize: true });

    await llama.kill();
    const dead = await waitForHealth(NAME, "unhealthy", 60_000);
    expect(dead.log.at(-1)).toContain("llama-server unreachable");
  }, 240_000);
});
