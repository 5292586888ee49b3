import { describe, expect, it } from "vitest";
import { parseLlamaArgs, withGpuLayers } from "../../lib/vram/llama-args";

describe("parseLlamaArgs", () => {
  it("reads the long forms the reference stack uses", () => {
    const a = parseLlamaArgs([
      "--host",
      "0.0.0.0",
      "--port",
      "8001",
      "--model",
      "/models/a.gguf",
      "-t",
      "4",
      "--ctx-size",
      "1024",
      "--batch-size",
      "128",
      "--ubatch-size",
      "64",
      "--n-gpu-layers",
      "20",
      "--parallel",
      "2",
      "--cont-batching",
      "--flash-attn",
      "on",
      "--cache-type-k",
      "q8_0",
      "--cache-type-v",
      "Q8_0",
      "--no-kv-offload",
    ]);
    expect(a).toEqual({
      model: "/models/a.gguf",
      ctxSize: 1024,
      batchSize: 128,
      ubatchSize: 64,
      nGpuLayers: 20,
      parallel: 2,
      flashAttn: "on",
      cacheTypeK: "q8_0",
      cacheTypeV: "q8_0",
      kvOffload: false,
      opOffload: true,
    });
  });

  it("reads the short forms", () => {
    const a = parseLlamaArgs([
      "-m",
      "m.gguf",
      "-c",
      "2048",
      "-b",
      "256",
      "-ub",
      "128",
      "-ngl",
      "7",
      "-np",
      "4",
      "-fa",
      "off",
      "-ctk",
      "q4_0",
      "-ctv",
      "f16",
      "-nkvo",
    ]);
    expect(a).toMatchObject({
      model: "m.gguf",
      ctxSize: 2048,
      batchSize: 256,
      ubatchSize: 128,
      nGpuLayers: 7,
      parallel: 4,
      flashAttn: "off",
      cacheTypeK: "q4_0",
      cacheTypeV: "f16",
      kvOffload: false,
    });
  });

  it("accepts --flag=value", () => {
    expect(parseLlamaArgs(["--model=/m.gguf", "--ctx-size=4096", "--n-gpu-layers=all", "--flash-attn=auto"])).toMatchObject({
      model: "/m.gguf",
      ctxSize: 4096,
      nGpuLayers: "all",
      flashAttn: "auto",
    });
  });

  it("treats a bare -fa (old builds) as on, without eating the next flag", () => {
    const a = parseLlamaArgs(["-fa", "-c", "512"]);
    expect(a.flashAttn).toBe("on");
    expect(a.ctxSize).toBe(512);
    expect(parseLlamaArgs(["-m", "x.gguf", "--flash-attn"]).flashAttn).toBe("on");
  });

  it("maps -ngl 999 to a count, all to all, auto and negatives to auto", () => {
    expect(parseLlamaArgs(["-ngl", "999"]).nGpuLayers).toBe(999);
    expect(parseLlamaArgs(["-ngl", "ALL"]).nGpuLayers).toBe("all");
    expect(parseLlamaArgs(["-ngl", "auto"]).nGpuLayers).toBe("auto");
    expect(parseLlamaArgs(["--gpu-layers", "-1"]).nGpuLayers).toBe("auto");
  });

  it("ignores unknown flags and their values", () => {
    const a = parseLlamaArgs(["--temp", "0.3", "--fit", "off", "--top-p", "0.9", "-m", "x.gguf", "--jinja", "--seed", "-1"]);
    expect(a).toEqual({ model: "x.gguf", kvOffload: true, opOffload: true });
  });

  it("lets the last occurrence win", () => {
    expect(parseLlamaArgs(["-c", "512", "--ctx-size", "8192"]).ctxSize).toBe(8192);
  });

  it("reads --no-op-offload", () => {
    expect(parseLlamaArgs(["--no-op-offload"]).opOffload).toBe(false);
  });

  it("rejects values llama-server would reject", () => {
    expect(() => parseLlamaArgs(["-c", "lots"])).toThrow(/-c: expected an integer/);
    expect(() => parseLlamaArgs(["--ctx-size"])).toThrow(/needs a value/);
    expect(() => parseLlamaArgs(["--flash-attn=maybe"])).toThrow(/on, off or auto/);
    expect(() => parseLlamaArgs(["-b", "0"])).toThrow(/>= 1/);
  });
});

describe("withGpuLayers", () => {
  it("replaces every -ngl form and keeps the rest", () => {
    const out = withGpuLayers(["-m", "x.gguf", "-ngl", "20", "--n-gpu-layers=5", "--gpu-layers", "3", "-c", "1024"], 12);
    expect(out).toEqual(["-m", "x.gguf", "-c", "1024", "--n-gpu-layers", "12"]);
    expect(parseLlamaArgs(out).nGpuLayers).toBe(12);
  });

  it("adds -ngl when argv has none", () => {
    expect(parseLlamaArgs(withGpuLayers(["-m", "x.gguf"], 0)).nGpuLayers).toBe(0);
  });
});
