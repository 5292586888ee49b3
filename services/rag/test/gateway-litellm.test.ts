/**
 * The gateway path through the real LiteLLM proxy (the pinned image's version,
 * running p2's rendered config in front of chat stand-ins): RAG sends the
 * master key as a Bearer token and gets answers; the proxy refuses requests
 * without it or with another key; /health turns 503 and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFailoverRig, type FailoverRig } from "../../../test/support/failover-rig";
import { SERVED_BY_PREFIX } from "../../../test/support/fake-llama-server";
import { ensureLiteLLM } from "../../../test/support/litellm-install";
import { retryOnlyProxyCrashes } from "../../../test/support/proxy-crash-retry";
import { paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const RIG_TIMEOUT_MS = 150_000;

let gateway: FailoverRig;
let rig: RagRig;

beforeAll(async () => {
  const install = await ensureLiteLLM();
  gateway = await startFailoverRig({ install });
  rig = await startRagRig({
    env: {
      RAG_LLM_API_BASE: `${gateway.proxy.url}/v1`,
      RAG_LLM_API_KEY: gateway.proxy.masterKey,
      API_GATEWAY_CHAT_MODEL: gateway.chatModel,
      RAG_LLM_TIMEOUT: "60",
    },
  });
  rig.write("cats.md", `Cats purr when they are content. ${paragraph("feline", 20)}`);
  expect((await rig.post("/index?collection=kb")).status).toBe(200);
}, INSTALL_TIMEOUT_MS + RIG_TIMEOUT_MS);

afterAll(async () => {
  await rig?.stop();
  await gateway?.stop();
});

retryOnlyProxyCrashes(
  () => gateway?.proxy,
  async () => {
    await gateway.stop();
    const install = await ensureLiteLLM();
    gateway = await startFailoverRig({ install });
    await rig.restartRag({ RAG_LLM_API_BASE: `${gateway.proxy.url}/v1`, RAG_LLM_API_KEY: gateway.proxy.masterKey });
  },
  RIG_TIMEOUT_MS,
);

describe("RAG through the real LiteLLM proxy", () => {
  it("the proxy refuses chat requests and the model list without the master key, and lists the models with it", { retry: 1 }, async () => {
    const chat = (headers: Record<string, string>) =>
      fetch(`${gateway.proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: gateway.chatModel, messages: [{ role: "user", content: "hi" }] }),
      });
    // No key: the image answers 401; this venv lacks the image's prisma module, so LiteLLM's
    // auth error handler itself fails and answers 500. Either way the request is refused.
    const anonymous = await chat({});
    expect(anonymous.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${gateway.proxy.url}/v1/models`)).status).toBeGreaterThanOrEqual(400);
    // A key that is not the master key: LiteLLM without a database cannot look it up.
    const wrong = await chat({ authorization: "Bearer sk-wrong" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("No connected db.");
    const listed = await fetch(`${gateway.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.proxy.masterKey}` } });
    expect(listed.status).toBe(200);
  });

  it("answers a query with the key: the proxy routes RAG's chat call to the chat model's server", { retry: 1 }, async () => {
    const since = Date.now();
    const res = await rig.post("/query", { query: "why do cats purr", collection: "kb" });
    expect(res.status).toBe(200);
    expect(res.body.answer.split(/\s/)[0]).toBe(`${SERVED_BY_PREFIX}inference-chat`);
    expect(res.body.context[0]).toMatchObject({ doc_id: "cats.md" });
    const hits = gateway.chatServer.hitsSince(since);
    expect(hits).toHaveLength(1);
    expect(JSON.stringify(hits[0]!.messages)).toContain("Cats purr when they are content.");
  });

  it("/health is 200 when the proxy accepts the key", { retry: 1 }, async () => {
    const res = await rig.get("/health");
    expect(res.status).toBe(200);
    expect(res.body.dependencies.api_gateway).toEqual({ status: "healthy", error: null });
  });

  it(
    "with a wrong or missing key: /health is 503 saying the key was refused or unset, and /query is a 502 naming RAG_LLM_API_KEY",
    { retry: 1 },
    async () => {
      const cases = [
        { key: "sk-wrong", says: "the gateway refused RAG_LLM_API_KEY (400 No connected db.: it is not the master key)" },
        { key: "", says: "RAG_LLM_API_KEY is not set" },
      ];
      for (const { key, says } of cases) {
        await rig.restartRag({
          RAG_LLM_API_BASE: `${gateway.proxy.url}/v1`,
          RAG_LLM_API_KEY: key,
          API_GATEWAY_CHAT_MODEL: gateway.chatModel,
        });
        try {
          const health = await rig.get("/health");
          expect(health.status).toBe(503);
          expect(health.body.dependencies.api_gateway.status).toBe("unhealthy");
          expect(health.body.dependencies.api_gateway.error).toContain(says);
          expect(health.body.dependencies.qdrant.status).toBe("healthy");

          const query = await rig.post("/query", { query: "why do cats purr", collection: "kb" });
          expect(query.status).toBe(502);
          expect(query.body.detail).toContain(says);
        } finally {
          await rig.restartRag({
            RAG_LLM_API_BASE: `${gateway.proxy.url}/v1`,
            RAG_LLM_API_KEY: gateway.proxy.masterKey,
            API_GATEWAY_CHAT_MODEL: gateway.chatModel,
          });
        }
      }
      expect((await rig.get("/health")).status).toBe(200);
    },
  );
});
