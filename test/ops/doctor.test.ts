/** doctor's checks against a fake host (GPU, Docker, ports, disk, CLI) and real files (model files against the lock, data dirs). */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { beforeEach, describe, expect, it } from "vitest";
import { cadvisorStoreCheck, loopbackPublishCheck, parseDockerVersion } from "../../ops/doctor/docker-checks";
import { parseNvidiaSmi, realHostProbe } from "../../ops/doctor/real-host-probe";
import { doctorReport } from "../../ops/doctor/report";
import { doctorPassed, runDoctor } from "../../ops/doctor/run-doctor";
import type { CheckResult } from "../../ops/doctor/check-result";
import { localModelFiles } from "../../ops/models/verify";
import { writeLockFile } from "../../ops/models/lock-file";
import { loadStack, type LoadedStack } from "../../ops/stack";
import { hubEntry, lockOf, tinyStackSets, writeTinyModel } from "../models/support/tiny-models";
import { PROJECT_DIR } from "./support/plans";
import { fakeProbe, GIB, placeModel, tempDir } from "./support/doctor-fixtures";

const CHAT = "Qwen2.5-3B-Instruct-Q4_K_M.gguf";
const CODE = "qwen2.5-coder-7b-instruct-q4_k_m.gguf";
const EMBEDDING = "bge-small-en-v1.5-q8_0.gguf";

let modelsDir: string;
let dataDir: string;

/** p2 with models and data in temp dirs: the locked models present (placeholders the fake probe vouches for), every mounted dir created. */
async function readyStack(sets: string[] = [], lockFile?: string): Promise<LoadedStack> {
  const stack = loadStack("p2", PROJECT_DIR, [`paths.modelsDir=${modelsDir}`, `paths.dataDir=${dataDir}`, ...sets], {}, lockFile);
  // The stack's own directories; system paths (the healer's Docker socket) are the host's.
  for (const s of stack.plan.services)
    for (const b of s.binds)
      if (b.hostPath.startsWith(dataDir) || b.hostPath.startsWith(modelsDir)) fs.mkdirSync(b.hostPath, { recursive: true });
  return stack;
}

const rowsOf = (results: CheckResult[], check: string) => results.filter((r) => r.check === check);

beforeEach(() => {
  modelsDir = tempDir("doctor-models-");
  dataDir = tempDir("doctor-data-");
  for (const file of [CHAT, CODE, EMBEDDING]) placeModel(modelsDir, file);
});

describe("doctor on a ready host", () => {
  it("passes every check; each model file matches the lock (size, header, sha256)", async () => {
    const results = await runDoctor(await readyStack(), fakeProbe());
    const failing = results.filter((r) => r.status !== "ok");
    expect(failing).toEqual([]);
    expect(doctorPassed(results)).toBe(true);
    expect(rowsOf(results, "model (chat)")[0]!.detail).toMatch(
      /^matches the lock: size 1929903264, header \(qwen2, 36 layers, 434 tensors\), sha256; this confirms the lock's size \(published\), sha256 \(published\), GGUF facts \(catalog\)$/,
    );
    expect(rowsOf(results, "model (code)")[0]!.detail).toContain("header (qwen2, 28 layers, 339 tensors)");
    expect(rowsOf(results, "model (embedding)")[0]!.detail).toBe(
      "matches the lock: size 36806944, sha256; this confirms the lock's size (published), sha256 (published)",
    );
    expect(results.map((r) => r.check)).toEqual(
      expect.arrayContaining(["docker", "nvidia runtime", "gpu", "disk", "pulumi", "port (qdrant)", "data dir"]),
    );
    expect(doctorReport(results)).not.toContain("To fix");
  });
});

describe("doctor on a host without GPU and models", () => {
  it("names the missing GPU and each missing GGUF file with a fix, and still runs every other check", async () => {
    fs.rmSync(path.join(modelsDir, CHAT));
    fs.rmSync(path.join(modelsDir, CODE));
    const stack = await readyStack();
    const results = await runDoctor(
      stack,
      fakeProbe({ nvidiaGpus: async () => Promise.reject(new Error("nvidia-smi not found (no NVIDIA driver installed)")) }),
    );
    expect(doctorPassed(results)).toBe(false);

    const gpu = rowsOf(results, "gpu");
    expect(gpu).toHaveLength(1);
    expect(gpu[0]).toMatchObject({ status: "fail", target: "GPU 0 (NVIDIA GeForce RTX 4050 Laptop GPU)" });
    expect(gpu[0]!.detail).toContain("nvidia-smi not found");
    expect(gpu[0]!.fix).toContain("NVIDIA driver");

    for (const [role, file] of [
      ["chat", CHAT],
      ["code", CODE],
    ] as const) {
      const model = rowsOf(results, `model (${role})`)[0]!;
      expect(model).toMatchObject({ status: "fail", target: path.join(modelsDir, file), detail: "missing" });
      expect(model.fix).toBe("npm run models -- pull --stack p2");
    }
    const ports = stack.plan.services.flatMap((s) => s.ports);
    expect(results.filter((r) => r.check.startsWith("port ")).length).toBe(ports.length);
    expect(rowsOf(results, "pulumi")).toHaveLength(1);
    expect(rowsOf(results, "disk")).toHaveLength(1);

    const report = doctorReport(results);
    expect(report).toContain(`FAIL ${path.join(modelsDir, CHAT)}: npm run models -- pull --stack p2`);
    expect(report).toContain("FAIL GPU 0");
  });
});

describe("gpu check", () => {
  it("fails when the GPU has less free memory than the plan puts on it, naming both numbers", async () => {
    const stack = await readyStack();
    const planned = stack.plan.gpuPlan.gpus[0]!.estimatedMiB;
    const results = await runDoctor(
      stack,
      fakeProbe({ nvidiaGpus: async () => [{ index: "0", uuid: "GPU-x", name: "RTX", totalMiB: 6141, freeMiB: 1200 }] }),
    );
    const gpu = rowsOf(results, "gpu")[0]!;
    expect(gpu.status).toBe("fail");
    expect(gpu.detail).toContain("1200 MiB free");
    expect(gpu.detail).toContain(`plan ${planned} MiB`);
  });

  it("does not count VRAM held by the stack's own running inference containers", async () => {
    const results = await runDoctor(
      await readyStack(),
      fakeProbe({
        nvidiaGpus: async () => [{ index: "0", uuid: "GPU-x", name: "RTX", totalMiB: 6141, freeMiB: 300 }],
        runningContainers: async () => ["inference-chat", "inference-code"],
      }),
    );
    expect(rowsOf(results, "gpu")[0]).toMatchObject({ status: "ok" });
  });

  it("still checks free VRAM when only a GPU container that holds none of the plan runs (the DCGM exporter)", async () => {
    // Only the gpu row matters here, so the exporters' host paths are not created.
    const stack = loadStack("p3", PROJECT_DIR, [
      `paths.modelsDir=${modelsDir}`,
      `paths.dataDir=${dataDir}`,
      "mcp.enabled=false",
      "memory.enabled=false",
    ]);
    const gpuOnly = stack.plan.services.find((s) => s.gpuDeviceIds?.length && s.group !== "inference");
    expect(gpuOnly?.service).toBe("dcgm-exporter");
    const results = await runDoctor(
      stack,
      fakeProbe({
        nvidiaGpus: async () => [{ index: "0", uuid: "GPU-x", name: "RTX", totalMiB: 6141, freeMiB: 300 }],
        runningContainers: async () => [gpuOnly!.containerName],
      }),
    );
    expect(rowsOf(results, "gpu")[0]).toMatchObject({ status: "fail" });
  });

  it("warns when the config's totalMiB is not the card's, and fails when the configured GPU id is absent", async () => {
    const bigger = await runDoctor(
      await readyStack(),
      fakeProbe({ nvidiaGpus: async () => [{ index: "0", uuid: "GPU-x", name: "RTX 4090", totalMiB: 24564, freeMiB: 24000 }] }),
    );
    expect(rowsOf(bigger, "gpu")[0]).toMatchObject({ status: "warn", fix: "pulumi config set --path 'gpus[0].totalMiB' 24564" });
    const other = await runDoctor(
      await readyStack(),
      fakeProbe({ nvidiaGpus: async () => [{ index: "1", uuid: "GPU-y", name: "RTX", totalMiB: 6141, freeMiB: 6000 }] }),
    );
    expect(rowsOf(other, "gpu")[0]).toMatchObject({ status: "fail" });
    expect(rowsOf(other, "gpu")[0]!.detail).toContain('not "0"');
  });
});

describe("model check (real files against a lock of their own)", () => {
  /** Small real GGUF files as chat, code and embedding models, and the lock `models add` would have written for them. */
  function tinyHost() {
    const chat = writeTinyModel(modelsDir, "tiny-chat-Q4_K_M.gguf", 2, 1);
    const code = writeTinyModel(modelsDir, "tiny-code-Q4_K_M.gguf", 3, 2);
    const embedding = writeTinyModel(modelsDir, "tiny-embed-q8_0.gguf", 1, 3);
    const lockFile = path.join(tempDir("doctor-lock-"), "models.lock.json");
    writeLockFile(
      lockFile,
      lockOf(Object.fromEntries([chat, code, embedding].map((m) => [m.file, hubEntry(m, "test/tiny", "a".repeat(40))]))),
    );
    const sets = tinyStackSets(modelsDir, { chat: chat.file, code: code.file, embedding: embedding.file });
    return { chat, code, embedding, stack: () => readyStack(sets, lockFile) };
  }
  const realFiles = () => fakeProbe({ modelFiles: localModelFiles });

  it("passes files that are the locked ones, reading their headers and hashing them", async () => {
    const host = tinyHost();
    const rows = (await runDoctor(await host.stack(), realFiles())).filter((r) => r.check.startsWith("model"));
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ["model (chat)", "ok"],
      ["model (code)", "ok"],
      ["model (embedding)", "ok"],
    ]);
    expect(rows[1]!.detail).toBe(`matches the lock: size ${host.code.size}, header (llama, 3 layers, 30 tensors), sha256`);
  });

  it("fails a file whose header disagrees with the lock, naming the differing facts", async () => {
    const host = tinyHost();
    const stack = await host.stack();
    writeTinyModel(modelsDir, host.chat.file, 3, 1); // another model under the chat model's name...
    fs.truncateSync(host.chat.path, host.chat.size); // ...cut to the locked size
    const chat = rowsOf(await runDoctor(stack, realFiles()), "model (chat)")[0]!;
    expect(chat.status).toBe("fail");
    expect(chat.detail).toContain("nLayer 3 (lock 2)");
    expect(chat.fix).toBe("npm run models -- pull --stack p2 (replaces it)");
  });

  it("fails a file that is not GGUF, and one of the wrong size or content", async () => {
    const host = tinyHost();
    const stack = await host.stack();
    fs.writeFileSync(host.code.path, Buffer.alloc(host.code.size, "<"));
    fs.appendFileSync(host.embedding.path, "x");
    const bytes = fs.readFileSync(host.chat.path);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(host.chat.path, bytes);
    const results = await runDoctor(stack, realFiles());
    expect(rowsOf(results, "model (code)")[0]!.detail).toContain("not a readable GGUF header: not a GGUF file");
    expect(rowsOf(results, "model (embedding)")[0]!.detail).toBe(
      `${host.embedding.size + 1} bytes, the lock says ${host.embedding.size}: not the locked file (or an incomplete copy)`,
    );
    expect(rowsOf(results, "model (chat)")[0]!.detail).toMatch(
      new RegExp(`^sha256 [0-9a-f]{64} does not match the lock's ${host.chat.sha256}$`),
    );
  });

  it("--quick skips the sha256", async () => {
    const host = tinyHost();
    const stack = await host.stack();
    const bytes = fs.readFileSync(host.chat.path);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(host.chat.path, bytes);
    const chat = rowsOf(await runDoctor(stack, realFiles(), { skipModelHash: true }), "model (chat)")[0]!;
    expect(chat).toMatchObject({ status: "ok", detail: `matches the lock: size ${host.chat.size}, header (llama, 2 layers, 21 tensors)` });
  });
});

describe("host checks", () => {
  it("fails a port another process holds, with the config key to move it; a port the stack's own container holds is fine", async () => {
    const results = await runDoctor(
      await readyStack(),
      fakeProbe({
        portInUse: async (_host, port) => port === 8000 || port === 6333,
        runningContainers: async () => ["qdrant"],
      }),
    );
    const gateway = results.find((r) => r.target === "127.0.0.1:8000")!;
    expect(gateway.status).toBe("fail");
    expect(gateway.fix).toContain("pulumi config set --path 'gateway.hostPort'");
    expect(results.find((r) => r.target === "127.0.0.1:6333")).toMatchObject({ status: "ok", detail: "held by this stack's qdrant" });
  });

  it("fails missing mounted dirs with mkdir, and unwritable data dirs with chown", async () => {
    const stack = await readyStack();
    const [qdrantDir, snapshotsDir] = stack.plan.services.find((s) => s.service === "qdrant")!.binds.map((b) => b.hostPath);
    fs.rmSync(qdrantDir!, { recursive: true });
    const results = await runDoctor(
      stack,
      fakeProbe({
        stat: async (p) => (p === snapshotsDir ? { exists: true, isDirectory: true, writable: false } : realHostProbe.stat(p)),
      }),
    );
    expect(results.find((r) => r.target === qdrantDir)).toMatchObject({ status: "fail", fix: `mkdir -p ${qdrantDir}` });
    expect(results.find((r) => r.target === snapshotsDir)!.fix).toContain("chown");
    expect(results.find((r) => r.target === modelsDir)).toMatchObject({ check: "mounted path", status: "ok" });
  });

  it("checks p2's build contexts in this repository, and names a missing one with the fix", async () => {
    const ok = await runDoctor(await readyStack(), fakeProbe());
    expect(rowsOf(ok, "build context (rag)")).toMatchObject([
      { status: "ok", target: path.join(PROJECT_DIR, "services"), detail: "rag/Dockerfile (rag.source)" },
    ]);
    const reference = await runDoctor(
      await readyStack([
        "rag.implementation=reference",
        "gateway.requireKey=false",
        "embedding.requireToken=false",
        "qdrant.requireKey=false",
      ]),
      fakeProbe(),
    );
    const [row] = rowsOf(reference, "build context (rag)");
    expect(row).toMatchObject({
      status: "fail",
      target: path.resolve(PROJECT_DIR, "../local-ai-suite/services/rag"),
      detail: "missing (rag.source)",
    });
    expect(row!.fix).toContain(`git clone https://github.com/sunbangamen/local-ai-suite ${path.resolve(PROJECT_DIR, "../local-ai-suite")}`);
    expect(doctorPassed(reference)).toBe(false);
  });

  it("does not suggest mkdir for a missing read-only mount outside the data dir", async () => {
    const stack = await readyStack();
    fs.rmSync(modelsDir, { recursive: true });
    const models = (await runDoctor(stack, fakeProbe())).find((r) => r.target === modelsDir)!;
    expect(models).toMatchObject({ check: "mounted path", status: "fail" });
    expect(models.fix).toContain("provide it before deploying");
    expect(models.fix).not.toContain("mkdir");
  });

  it("fails on too little disk space, measured on the nearest existing parent of a missing dataDir", async () => {
    const missing = path.join(dataDir, "not", "yet");
    const stack = await readyStack([`paths.dataDir=${missing}`]);
    fs.rmSync(path.join(dataDir, "not"), { recursive: true });
    const measured: string[] = [];
    const results = await runDoctor(
      stack,
      fakeProbe({
        freeBytes: async (p) => {
          measured.push(p);
          return 5 * GIB;
        },
      }),
    );
    expect(measured).toEqual([dataDir]);
    expect(rowsOf(results, "disk")[0]).toMatchObject({ status: "fail", detail: "5.0 GiB free, need 20 GiB" });
  });

  it("fails without the pulumi CLI", async () => {
    const results = await runDoctor(await readyStack(), fakeProbe({ which: async () => undefined }));
    expect(rowsOf(results, "pulumi")[0]).toMatchObject({ status: "fail", target: "pulumi CLI" });
  });
});

describe("docker checks", () => {
  it("warns on an Engine without start_interval and fails below 20.10", async () => {
    const old = await runDoctor(
      await readyStack(),
      fakeProbe({ dockerInfo: async () => ({ serverVersion: "24.0.7", apiVersion: "1.43", runtimes: ["nvidia"] }) }),
    );
    expect(rowsOf(old, "docker")[0]!.status).toBe("warn");
    expect(rowsOf(old, "docker")[0]!.detail).toContain("start_interval");
    const ancient = await runDoctor(
      await readyStack(),
      fakeProbe({ dockerInfo: async () => ({ serverVersion: "19.03.15", apiVersion: "1.40", runtimes: ["nvidia"] }) }),
    );
    expect(rowsOf(ancient, "docker")[0]!.status).toBe("fail");
    expect(parseDockerVersion("25.0.3")).toEqual([25, 0]);
  });

  it("fails both Docker rows when the daemon is unreachable, and the runtime row without the NVIDIA toolkit", async () => {
    const down = await runDoctor(
      await readyStack(),
      fakeProbe({ dockerInfo: async () => Promise.reject(new Error("Cannot connect to the Docker daemon")) }),
    );
    expect(rowsOf(down, "docker")[0]).toMatchObject({ status: "fail" });
    expect(rowsOf(down, "docker")[0]!.detail).toContain("Cannot connect");
    expect(rowsOf(down, "nvidia runtime")[0]!.status).toBe("fail");
    const noToolkit = await runDoctor(
      await readyStack(),
      fakeProbe({ dockerInfo: async () => ({ serverVersion: "27.0.1", apiVersion: "1.46", runtimes: ["runc"] }) }),
    );
    expect(rowsOf(noToolkit, "nvidia runtime")[0]).toMatchObject({ status: "fail" });
    expect(rowsOf(noToolkit, "nvidia runtime")[0]!.fix).toContain("nvidia-ctk runtime configure");
  });

  it("warns that cAdvisor names no container on containerd's image store, where the plan gives it no socket", () => {
    expect(cadvisorStoreCheck(true, true)).toMatchObject({ check: "cadvisor", status: "warn" });
    expect(cadvisorStoreCheck(true, true)!.detail).toContain("ContainerRestarting/ContainerMissing alerts stay empty");
    expect(cadvisorStoreCheck(true, true)!.fix).toContain("containerd-snapshotter");
    expect(cadvisorStoreCheck(true, true)!.fix).toContain("monitoring.cadvisor.dockerSocket false");
    expect(cadvisorStoreCheck(false, true)).toMatchObject({ status: "ok" });
    expect(cadvisorStoreCheck(true, false)).toBeUndefined();
  });

  it("warns that a loopback-published port is reachable from the LAN before Engine 28 (moby/moby#45610)", () => {
    expect(loopbackPublishCheck("20.10.24+dfsg1", "127.0.0.1")).toMatchObject({ check: "loopback ports", status: "warn" });
    expect(loopbackPublishCheck("20.10.24+dfsg1", "127.0.0.1")!.fix).toContain(
      "iptables -t raw -I PREROUTING ! -i lo -d 127.0.0.0/8 -j DROP",
    );
    expect(loopbackPublishCheck("28.0.1", "127.0.0.1")).toMatchObject({ status: "ok" });
    expect(loopbackPublishCheck("20.10.24", "192.168.1.5")).toBeUndefined();
    expect(loopbackPublishCheck(undefined, "127.0.0.1")).toBeUndefined();
  });

  it("a probe that throws fails only its own check", async () => {
    const results = await runDoctor(await readyStack(), fakeProbe({ freeBytes: async () => Promise.reject(new Error("statfs exploded")) }));
    expect(rowsOf(results, "disk")[0]).toMatchObject({ status: "fail" });
    expect(rowsOf(results, "disk")[0]!.detail).toContain("statfs exploded");
    expect(results.filter((r) => r.status === "fail")).toHaveLength(1);
  });
});

describe("the real host probe", () => {
  it("sees a port taken by a listener on 127.0.0.1, and free once it closes", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await realHostProbe.portInUse("127.0.0.1", port)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await realHostProbe.portInUse("127.0.0.1", port)).toBe(false);
  });

  it("finds executables on PATH and measures free space", async () => {
    expect(await realHostProbe.which("node")).toMatch(/\/node$/);
    expect(await realHostProbe.which("surely-not-a-command-xyz")).toBeUndefined();
    expect(await realHostProbe.freeBytes(dataDir)).toBeGreaterThan(0);
  });

  it("parses nvidia-smi's CSV", () => {
    expect(parseNvidiaSmi("0, GPU-abc, NVIDIA GeForce RTX 4050 Laptop GPU, 6141, 5702\n1, GPU-def, Tesla T4, 15360, 15000\n")).toEqual([
      { index: "0", uuid: "GPU-abc", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, freeMiB: 5702 },
      { index: "1", uuid: "GPU-def", name: "Tesla T4", totalMiB: 15360, freeMiB: 15000 },
    ]);
  });
});
