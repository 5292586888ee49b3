/** Endpoints come from the deployed stack's outputs when there are some, else from the config; both paths with a fake reader. */
import { describe, expect, it } from "vitest";
import { resolveEndpoints } from "../../ops/endpoints";
import { planOf } from "./support/plans";

describe("resolveEndpoints", () => {
  it("uses the plan's URLs (from the config) when there are no outputs, and says why", async () => {
    const plan = await planOf("p2", ["gateway.hostPort=18000"]);
    const resolved = await resolveEndpoints(plan, async () => ({ reason: "the pulumi CLI is not installed" }));
    expect(resolved.source).toBe("config");
    expect(resolved.note).toBe("the pulumi CLI is not installed");
    expect(resolved.urls["api-gateway"]).toBe("http://127.0.0.1:18000");
    expect(Object.keys(resolved.urls).sort()).toEqual(plan.endpoints.map((e) => e.name).sort());
  });

  it("prefers the stack outputs' endpoints, keeping plan URLs for names the outputs lack", async () => {
    const plan = await planOf("p2");
    const asked: string[] = [];
    const resolved = await resolveEndpoints(plan, async (stack) => {
      asked.push(stack);
      return { outputs: { phase: "p2", endpoints: { "api-gateway": "http://10.0.0.5:8000", qdrant: "http://10.0.0.5:6333" } } };
    });
    expect(asked).toEqual(["p2"]);
    expect(resolved.source).toBe("stack outputs");
    expect(resolved.urls["api-gateway"]).toBe("http://10.0.0.5:8000");
    expect(resolved.urls.qdrant).toBe("http://10.0.0.5:6333");
    expect(resolved.urls.rag).toBe(plan.endpoints.find((e) => e.name === "rag")!.url);
  });

  it("falls back to the config when the outputs have no endpoints", async () => {
    const plan = await planOf("p2");
    const resolved = await resolveEndpoints(plan, async () => ({ outputs: { phase: "p2" } }));
    expect(resolved.source).toBe("config");
  });
});
