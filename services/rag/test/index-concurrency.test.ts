/** Two /index runs on one collection at once: the second waits for the first, and no chunk is lost or doubled. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  rig = await startRagRig();
});
afterAll(async () => {
  await rig?.stop();
});

describe("concurrent POST /index on one collection", () => {
  it("runs them one after the other", async () => {
    rig.write("a.md", paragraph("alpha", 200));
    rig.write("b.md", paragraph("beta", 200));
    rig.qdrant.delayMs = 30;
    const [first, second] = await Promise.all([rig.post("/index?collection=same"), rig.post("/index?collection=same")]);
    rig.qdrant.delayMs = 0;
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.chunks).toBe(first.body.chunks);
    // Each run starts by reading the collection; every write of the first run comes before the second run's read.
    const calls = rig.qdrant.requests.filter((r) => r.path.startsWith("/collections/same")).map((r) => `${r.method} ${r.path}`);
    const reads = calls.flatMap((c, i) => (c === "GET /collections/same" ? [i] : []));
    expect(reads.length).toBe(2);
    const writesOfFirst = calls.slice(reads[0]!, reads[1]!).filter((c) => c.includes("/points"));
    const writesOfSecond = calls.slice(reads[1]!).filter((c) => c.includes("/points"));
    expect(writesOfFirst.length).toBeGreaterThan(0);
    expect(writesOfSecond).toEqual(writesOfFirst);
    expect(rig.qdrant.points("same")).toHaveLength(first.body.chunks);
  });
});
