/** The model lock as data: the committed file, its format, its checks, and what it means for the plan. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compactTensors,
  expandTensors,
  factsOfLocked,
  lockLookup,
  ModelLockError,
  parseModelLock,
  serializeModelLock,
  tensorDataBytes,
  validateModelLock,
  type LockedModel,
} from "../../lib/models/lock";
import { findInCatalog } from "../../lib/vram/catalog";
import { readProgramModelLock } from "../../program/model-lock";
import { estimateFromArgs } from "../../lib/vram";
import type { ModelFacts } from "../../lib/vram/model-facts";
import { REPO_LOCK, REPO_LOCK_FILE } from "../support/model-lock";

const CHAT = "Qwen2.5-3B-Instruct-Q4_K_M.gguf";
const CODE = "qwen2.5-coder-7b-instruct-q4_k_m.gguf";
const EMBEDDING = "bge-small-en-v1.5-q8_0.gguf";

const sorted = (f: ModelFacts) => ({ ...f, tensors: [...f.tensors].sort((a, b) => a.name.localeCompare(b.name)) });

describe("the committed models.lock.json", () => {
  it("covers the p2 and p3 default models, pinned to commits, with size and sha256", () => {
    expect(Object.keys(REPO_LOCK.models).sort()).toEqual([CHAT, EMBEDDING, CODE].sort());
    expect(REPO_LOCK.models[CODE]!.source).toEqual({ repo: "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF", file: CODE, revision: "13fb94bfda8c8cf22497dc57b78f391a9acb426a" });
    expect(REPO_LOCK.models[CHAT]!.source.repo).toBe("bartowski/Qwen2.5-3B-Instruct-GGUF");
    expect(REPO_LOCK.models[EMBEDDING]!.source.repo).toBe("CompendiumLabs/bge-small-en-v1.5-gguf");
    expect(REPO_LOCK.models[EMBEDDING]!.gguf).toBeUndefined(); // the embedding server states its VRAM (embedding.server.vramMiB)
  });

  it("is in its canonical form (what add writes), so a PR diff shows only real changes", () => {
    const text = fs.readFileSync(REPO_LOCK_FILE, "utf8");
    expect(serializeModelLock(parseModelLock(text))).toBe(text);
  });

  it.each([CHAT, CODE])("%s: the lock's facts are the catalog's, so the estimates are the ones published figures checked", (file) => {
    expect(sorted(factsOfLocked(REPO_LOCK.models[file]!.gguf!))).toEqual(sorted(findInCatalog(file)!.facts));
    const argv = ["-m", `/models/${file}`, "-c", "1024", "-b", "128", "-ngl", "20"];
    expect(estimateFromArgs(argv, lockLookup(REPO_LOCK))).toEqual({ ...estimateFromArgs(argv, (m) => ({ facts: findInCatalog(m)!.facts, source: "models.lock.json" })) });
  });

  it("the Qwen files' published sizes leave ~6 MB for the header after their tensors (the same tokenizer, two sources)", () => {
    const header = (file: string) => REPO_LOCK.models[file]!.size - tensorDataBytes(factsOfLocked(REPO_LOCK.models[file]!.gguf!).tensors);
    expect([header(CHAT), header(CODE)]).toEqual([5_956_768, 5_953_536]);
  });

  it("states where every fact came from; nothing in it was read from the hub by this tool yet", () => {
    for (const entry of Object.values(REPO_LOCK.models)) {
      expect(entry.provenance.sha256).toMatchObject({ from: "published", note: expect.stringMatching(/public GitHub file/) });
      expect(entry.provenance.size.from).toBe("published");
      if (entry.gguf) expect(entry.provenance.gguf).toMatchObject({ from: "catalog", note: expect.stringContaining("lib/vram/catalog.ts") });
    }
  });
});

describe("tensor lines", () => {
  it("compact a block-structured tensor list and expand back to the same tensors", () => {
    const facts = findInCatalog(CODE)!.facts;
    const lines = compactTensors(facts.tensors);
    expect(lines).toContain("blk.{0-2,5,8,11,14,17,20,23-27}.attn_v.weight q6_k 3584x512");
    expect(lines).toContain("blk.{3-4,6-7,9-10,12-13,15-16,18-19,21-22}.attn_v.weight q4_k 3584x512");
    expect(lines).toContain("output.weight q6_k 3584x152064");
    expect(lines).toHaveLength(17);
    expect(sorted({ ...facts, tensors: expandTensors(lines) })).toEqual(sorted(facts));
  });

  it("reject what they cannot express", () => {
    expect(() => expandTensors(["blk.{0-3}.x.weight q4_z 32"])).toThrow(/unknown ggml type "q4_z"/);
    expect(() => expandTensors(["blk.{3-1}.x.weight f32 32"])).toThrow(/runs backwards/);
    expect(() => expandTensors(["blk.0.x.weight f32"])).toThrow(/is not "<name> <ggml type> <ne0>x<ne1>\.\.\."/);
    expect(() => expandTensors(["a.{0-1}.b f32 4"])).toThrow(/only "blk\.\{<blocks>\}\." may stand for several tensors/);
  });
});

describe("validation", () => {
  const code = () => structuredClone(REPO_LOCK.models[CODE]!) as LockedModel;
  const problemsOf = (models: Record<string, unknown>) => {
    try {
      validateModelLock({ lockfileVersion: 1, models }, "test.lock.json");
    } catch (error) {
      expect(error).toBeInstanceOf(ModelLockError);
      return (error as ModelLockError).problems;
    }
    throw new Error("accepted");
  };

  it("names every problem with its path", () => {
    const bad = code();
    bad.sha256 = "ABC";
    bad.source.revision = "main";
    expect(problemsOf({ [CODE]: bad })).toEqual([
      `models.${CODE}.source.revision: must be a 40-hex-digit commit id (pin the revision)`,
      `models.${CODE}.sha256: must be 64 lowercase hex digits`,
    ]);
  });

  it("checks that an entry agrees with itself", () => {
    const fewer = code();
    fewer.gguf!.tensorCount = 338;
    const small = code();
    small.size = 1000;
    const renamed = code();
    expect(problemsOf({ [CODE]: fewer, "other.gguf": renamed, "small.gguf": { ...small, source: { ...small.source, file: "small.gguf" } } })).toEqual([
      `models.${CODE}.gguf: tensors expand to 339 tensors, tensorCount says 338`,
      `models.other.gguf: source.file "${CODE}" does not end in "other.gguf"`,
      "models.small.gguf: its tensors hold 4677120000 bytes, more than the file's 1000",
    ]);
  });

  it("a lock that is not JSON names the file and the fix", () => {
    expect(() => parseModelLock("{", "x/models.lock.json")).toThrow(/^x\/models\.lock\.json is not a valid model lock \(1 problem\):\n {2}- not JSON: .*\n {2}fix: restore it from git, or re-create the entry: npm run models -- add <hf-repo> <file> \[--revision R\]$/);
  });

  it("the program reads it from the project directory and names the file when it cannot", () => {
    expect(readProgramModelLock(path.dirname(REPO_LOCK_FILE))).toEqual(REPO_LOCK);
    expect(() => readProgramModelLock("/nonexistent")).toThrow(/^\/nonexistent\/models\.lock\.json is not a valid model lock \(1 problem\):\n {2}- cannot read it \(ENOENT\); it is committed at the repository root/);
  });

  it("the lookup names the command that adds a model it lacks", () => {
    expect(() => estimateFromArgs(["-m", "/models/llama-70b-Q4_K_M.gguf"], lockLookup(REPO_LOCK))).toThrow(
      /model "\/models\/llama-70b-Q4_K_M.gguf" is not in models\.lock\.json \(it has Qwen2\.5-3B-Instruct-Q4_K_M\.gguf, qwen2\.5-coder-7b-instruct-q4_k_m\.gguf\)\. Fix: add the model to the lock: npm run models -- add <hf-repo> <file> \[--revision R\]/,
    );
  });
});
