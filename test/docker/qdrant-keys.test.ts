/**
 * Qdrant's two keys, as the plan hands them out (in its config files, never
 * env), on the real Qdrant v1.16.3:
 * without a key nothing but the health paths answers; the read-only key that
 * Prometheus gets reads (its scrape, a listing) and cannot write or delete;
 * the key RAG and the backup get can do both.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretFileContent } from "../../lib/plan/service-spec";
import { startQdrantOn } from "../support/qdrant-client";
import { requireRealImages } from "../support/real-images";
import { planOf } from "../ops/support/plans";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-keys-"));
const KEY = "k".repeat(20) + "Full4Key";
const READ_ONLY = "r".repeat(20) + "Read4Key";
let qdrant: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  await requireRealImages();
  fs.chmodSync(work, 0o777);
  const spec = (await planOf("p2")).services.find((s) => s.service === "qdrant")!;
  // The plan's own env (no key in it), command and config files, each secret file filled with this test's value.
  expect(spec.secretEnv).toEqual({});
  expect(spec.files.map((f) => f.secret)).toEqual(["qdrantApiKey", "qdrantReadOnlyKey"]);
  expect(spec.metrics?.bearerSecret).toBe("qdrantReadOnlyKey");
  const values: Record<string, string> = { qdrantApiKey: KEY, qdrantReadOnlyKey: READ_ONLY };
  const files = spec.files.map((f) => ({ path: f.path, content: secretFileContent(f, values[f.secret!]!) }));
  qdrant = await startQdrantOn(work, spec.env, undefined, { files, command: spec.command });
}, 120_000);

afterAll(async () => {
  await qdrant?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const call = async (method: string, route: string, headers: Record<string, string> = {}, body?: unknown) =>
  (
    await fetch(`${qdrant.url}${route}`, {
      method,
      headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  ).status;

describe("Qdrant with the plan's keys (p2: qdrant.requireKey)", () => {
  const collection = { vectors: { size: 4, distance: "Cosine" } };

  it("answers its health paths to anyone, and nothing else without a key", async () => {
    expect([await call("GET", "/readyz"), await call("GET", "/livez"), await call("GET", "/healthz")]).toEqual([200, 200, 200]);
    expect([await call("GET", "/collections"), await call("GET", "/metrics"), await call("PUT", "/collections/x", {}, collection)]).toEqual(
      [401, 401, 401],
    );
  });

  it("lets the key RAG gets write and delete, and the read-only key Prometheus gets only read", async () => {
    expect(await call("PUT", "/collections/docs", { "api-key": KEY }, collection)).toBe(200);
    const readOnly = { authorization: `Bearer ${READ_ONLY}` }; // as Prometheus sends its bearer token
    expect([await call("GET", "/metrics", readOnly), await call("GET", "/collections/docs", readOnly)]).toEqual([200, 200]);
    expect([
      await call("PUT", "/collections/other", readOnly, collection),
      await call("DELETE", "/collections/docs", readOnly),
      await call("POST", "/collections/docs/snapshots", readOnly),
    ]).toEqual([403, 403, 403]);
    expect(await call("DELETE", "/collections/docs", { "api-key": KEY })).toBe(200);
  });
});
