import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../lib/config/load";
import { ConfigError } from "../lib/config/errors";
import { planContext } from "../lib/plan/define-service";
import { planRag } from "../lib/plan/rag";
import { MIN_RAG_CONTEXT_TOKENS, RAG_PROMPT_RESERVE_TOKENS, ragContextBudget } from "../lib/plan/rag-context";

const config = (raw: Record<string, unknown> = {}) => parseStackConfig(raw);

describe("ragContextBudget", () => {
  it("leaves room in the smallest slot of every server that may answer RAG's chat model", () => {
    // Defaults: both servers 1024 cells, one slot; answers of 256 tokens.
    expect(ragContextBudget(config())).toEqual({ tokens: 1024 - 256 - RAG_PROMPT_RESERVE_TOKENS, limitedBy: "chat", slotTokens: 1024 });
    const code = ragContextBudget(config({ inference: { chat: { ctxSize: 4096 }, code: { ctxSize: 2048, parallel: 2 } } }));
    expect(code).toEqual({ tokens: 1024 - 256 - RAG_PROMPT_RESERVE_TOKENS, limitedBy: "code", slotTokens: 1024 });
  });

  it("ignores the code server when the gateway does not fail over to it", () => {
    const c = config({ inference: { chat: { ctxSize: 4096 }, code: { ctxSize: 512 } }, gateway: { fallback: false } });
    expect(ragContextBudget(c)).toMatchObject({ limitedBy: "chat", slotTokens: 4096 });
  });

  it("refuses a stack whose smallest slot leaves no room for passages, naming the key and the fix", () => {
    const c = config({ inference: { code: { ctxSize: 512 } } });
    expect(() => ragContextBudget(c)).toThrow(ConfigError);
    expect(() => ragContextBudget(c)).toThrow(
      new RegExp(
        `inference\\.code\\.ctxSize = 512: .*leave 0, and at least ${MIN_RAG_CONTEXT_TOKENS} are needed[\\s\\S]*fix: raise inference\\.code\\.ctxSize, or lower rag\\.maxTokens`,
      ),
    );
  });

  it("is what the planned RAG container is told", () => {
    const spec = planRag(planContext(config(), { stack: "test", projectDir: "." }), { gatewayRequiresKey: true, hasQdrantApiKey: false });
    expect(spec.env.RAG_CONTEXT_BUDGET_TOKENS).toBe("512");
  });
});
