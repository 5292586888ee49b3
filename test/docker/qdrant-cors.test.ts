/**
 * No web page can use Qdrant: the real Qdrant v1.16.3, run with the environment
 * the plan gives it, answers a cross-origin request without
 * Access-Control-Allow-Origin and refuses the preflight a DELETE from a page
 * would need. Qdrant's own default (CORS on) grants both, to any origin.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQdrantOn } from "../support/qdrant-client";
import { requireRealImages } from "../support/real-images";
import { planOf } from "../ops/support/plans";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-cors-"));
let qdrant: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  await requireRealImages();
  fs.chmodSync(work, 0o777);
  const spec = (await planOf("p2")).services.find((s) => s.service === "qdrant")!;
  qdrant = await startQdrantOn(work, spec.env);
}, 120_000);

afterAll(async () => {
  await qdrant?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("Qdrant as planned, asked from a web page's origin", () => {
  it("grants no origin: no Access-Control-Allow-Origin, and no preflight for a DELETE", async () => {
    const origin = { Origin: "http://attacker.example" };
    const read = await fetch(`${qdrant.url}/collections`, { headers: origin });
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${qdrant.url}/collections/docs`, {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "DELETE" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
  });
});
