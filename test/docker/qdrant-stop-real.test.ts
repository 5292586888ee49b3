/**
 * A `docker stop` of Qdrant under steady traffic ends in Qdrant's own clean
 * exit, not a SIGKILL: the real Qdrant v1.16.3, run as planned (its binary as
 * PID 1, the plan's env and stop grace), keeps serving busy keep-alive
 * connections for up to actix-web's 30 s shutdown timeout before it exits 0.
 * With the 30 s grace the plan had before, Docker's SIGKILL came first.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { docker, dockerOk } from "../support/docker-cli";
import { startQdrantOn } from "../support/qdrant-client";
import { requireRealImages } from "../support/real-images";
import { planOf } from "../ops/support/plans";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-stop-"));
let stopQdrant: (() => Promise<void>) | undefined;

afterAll(async () => {
  await stopQdrant?.();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("Qdrant as planned, stopped under traffic", () => {
  it("exits 0 on its own within the plan's stop grace while a client keeps its connection busy", async () => {
    await requireRealImages();
    fs.chmodSync(work, 0o777);
    const spec = (await planOf("p2")).services.find((s) => s.service === "qdrant")!;
    const qdrant = await startQdrantOn(work, spec.env, spec.lifecycle.stopGraceSec);
    stopQdrant = qdrant.stop;
    // One request every 250 ms on a kept-alive connection, as RAG's client pool does under load.
    let sending = true;
    let answered = 0;
    const traffic = (async () => {
      while (sending) {
        const ok = await fetch(`${qdrant.url}/collections`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) answered++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const t = Date.now();
    await dockerOk(["stop", qdrant.id], { timeoutMs: 120_000 });
    const stopMs = Date.now() - t;
    sending = false;
    await traffic;
    const exitCode = Number((await dockerOk(["inspect", "--format", "{{.State.ExitCode}}", qdrant.id])).trim());
    const logs = await docker(["logs", "--tail", "5", qdrant.id]);
    console.log(
      `qdrant stop under traffic: ${stopMs} ms, exit ${exitCode}, ${answered} requests answered; grace ${spec.lifecycle.stopGraceSec} s`,
    );
    expect(answered).toBeGreaterThan(0);
    // 137 is SIGKILL: Docker's grace ran out before Qdrant's own shutdown did.
    expect(exitCode, `${logs.stdout}${logs.stderr}`).toBe(0);
  }, 180_000);
});
