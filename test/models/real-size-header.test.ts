/**
 * `models add` on a file of the 7B coder's real size and header size, served by
 * the local hub stand-in: it reads only the header, and the entry it writes has
 * exactly the committed lock's facts for that file.
 *
 * The header is synthetic but sized like the real one: the real file is
 * 4,683,073,536 bytes (the lock's published size) and its 339 tensors hold
 * 4,677,120,000 bytes (the lock's tensor list), so the tensor data starts at
 * byte 5,953,536. The synthetic header has the real model's entry counts (152,064
 * tokens with their types, 151,387 merges, 339 tensor infos) and a chat template
 * padded so that its data offset is exactly that; the 4.68 GB after it are zeros
 * the server makes up as they are asked for (they never are).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GGUFValueType } from "@huggingface/gguf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandTensors, parseModelLock, tensorDataBytes } from "../../lib/models/lock";
import { runModelsCli } from "../../lib/ops/models/cli";
import { parseGgufHeader } from "../../lib/vram/gguf-header";
import { REPO_LOCK } from "../support/model-lock";
import { ggufHeaderBytes, type FixtureKv } from "../vram/support/gguf-fixture";
import { FakeHub } from "./support/fake-hub";

const FILE = "qwen2.5-coder-7b-instruct-q4_k_m.gguf";
const LOCKED = REPO_LOCK.models[FILE]!;
const TOKENS = 152_064;
const MERGES = 151_387;

/** A header with the real entry counts whose tensor data starts at `dataOffset`. */
function realSizedHeader(dataOffset: number): Buffer {
  const tensors = expandTensors(LOCKED.gguf!.tensors).map((t) => ({ name: t.name, type: t.type.id, shape: t.shape }));
  // Byte-level BPE tokens average ~6.5 bytes ("Ġthe"), merges ~11 ("Ġ t", "Ġt he").
  const tokens = Array.from({ length: TOKENS }, (_, i) => `Ġ${"t".repeat(3 + (i % 5))}${i.toString(36)}`.slice(0, 8));
  const merges = Array.from({ length: MERGES }, (_, i) => `Ġ${(i % 7).toString(36)}${"h".repeat(i % 5)} ${i.toString(36)}`);
  const kv = (template: string): FixtureKv => ({
    "general.architecture": "qwen2",
    "general.name": "Qwen2.5 Coder 7B Instruct",
    "general.file_type": 15,
    "qwen2.block_count": 28,
    "qwen2.context_length": 32768,
    "qwen2.embedding_length": 3584,
    "qwen2.feed_forward_length": 18944,
    "qwen2.attention.head_count": 28,
    "qwen2.attention.head_count_kv": 4,
    "qwen2.rope.freq_base": { type: GGUFValueType.FLOAT32, value: 1_000_000 },
    "qwen2.attention.layer_norm_rms_epsilon": { type: GGUFValueType.FLOAT32, value: 1e-6 },
    "tokenizer.ggml.model": "gpt2",
    "tokenizer.ggml.pre": "qwen2",
    "tokenizer.ggml.tokens": tokens,
    "tokenizer.ggml.token_type": { type: GGUFValueType.ARRAY, subType: GGUFValueType.INT32, value: Array.from({ length: TOKENS }, (_, i) => (i < 151_643 ? 1 : 3)) },
    "tokenizer.ggml.merges": merges,
    "tokenizer.ggml.eos_token_id": 151645,
    "tokenizer.ggml.padding_token_id": 151643,
    "tokenizer.chat_template": template,
  });
  const base = ggufHeaderBytes(kv(""), tensors, { data: "zeros" }).header.length;
  // Pad the template so the unpadded header ends within the last 32 bytes before dataOffset.
  const template = "x".repeat(dataOffset - base);
  const { header } = ggufHeaderBytes(kv(template), tensors, { data: "zeros" });
  if (header.length !== dataOffset) throw new Error(`synthetic header is ${header.length} bytes, wanted ${dataOffset}`);
  return header;
}

let hub: FakeHub;
let header: Buffer;
const dataOffset = LOCKED.size - tensorDataBytes(expandTensors(LOCKED.gguf!.tensors));

beforeAll(async () => {
  hub = await FakeHub.start();
  header = realSizedHeader(dataOffset);
  hub.serve({ repo: LOCKED.source.repo, file: FILE, commit: LOCKED.source.revision, body: { head: header, size: LOCKED.size }, sha256: LOCKED.sha256 });
});
afterAll(() => hub.close());

describe("models add on the 7B coder's real-sized header", () => {
  it("reads under 1.5 x the header + 1 MiB in a handful of range requests, and writes the committed facts", async () => {
    expect(dataOffset).toBe(5_953_536);
    const parsed = parseGgufHeader(header);
    expect(parsed.complete && parsed.header.tensorDataOffset).toBe(dataOffset);

    const lockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "real-size-")), "models.lock.json");
    let stdout = "";
    const code = await runModelsCli(["add", LOCKED.source.repo, FILE, "--base-url", hub.url, "--lock", lockFile], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
    });
    expect(code, stdout).toBe(0);
    const bodies = hub.bodyRequests();
    const transferred = bodies.reduce((s, r) => s + r.bodyBytes, 0);
    console.log(`7B coder header: ${dataOffset} bytes; add transferred ${transferred} bytes in ${bodies.length} range requests (${bodies.map((r) => r.range).join(", ")})`);
    expect(transferred).toBeLessThan(1.5 * dataOffset + 1024 * 1024);
    expect(transferred).toBeLessThan(LOCKED.size / 500);
    expect(bodies.length).toBeLessThanOrEqual(6);
    expect(stdout).toContain(`header   ${dataOffset} bytes; read ${transferred} bytes`);

    const entry = parseModelLock(fs.readFileSync(lockFile, "utf8")).models[FILE]!;
    expect({ source: entry.source, size: entry.size, sha256: entry.sha256, gguf: entry.gguf }).toEqual({ source: LOCKED.source, size: LOCKED.size, sha256: LOCKED.sha256, gguf: LOCKED.gguf });
    expect(entry.provenance).toMatchObject({ source: { from: "hub" }, size: { from: "hub" }, sha256: { from: "hub" }, gguf: { from: "header" } });
  });
});
