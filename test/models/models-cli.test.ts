/**
 * `npm run models -- add|pull|verify` against a local stand-in for the hub
 * (test/models/support/fake-hub.ts) serving real GGUF files the tests write:
 * header-only reads, pinning, resumable and verified downloads, a dropped
 * connection, a stall, a slow link, a wrong checksum, a 404. Nothing here
 * reaches the network.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lockedGgufOf, parseModelLock } from "../../lib/models/lock";
import { runModelsCli } from "../../lib/ops/models/cli";
import { writeLockFile } from "../../lib/ops/models/lock-file";
import { FakeHub } from "./support/fake-hub";
import { COMMIT, hubEntry, lockOf, tinyStackSets, writeTinyModel, type WrittenModel } from "./support/tiny-models";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const REPOS = { chat: "test/tiny-chat-GGUF", code: "test/tiny-code-GGUF", embedding: "test/tiny-embed-GGUF" };

let hub: FakeHub;
let published: Record<keyof typeof REPOS, WrittenModel>;
let work: string;
let modelsDir: string;
let lockFile: string;

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function models(argv: string[], options: { tty?: boolean; download?: Parameters<typeof runModelsCli>[1]["download"] } = {}): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const code = await runModelsCli([...argv, "--base-url", hub.url, "--lock", lockFile], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false },
    cwd: PROJECT_DIR,
    download: { stallTimeoutMs: 2000, retryDelayMs: 10, ...options.download },
  });
  return { code, stdout, stderr };
}

const stackArgs = () => [
  "--stack", "p2",
  ...tinyStackSets(modelsDir, { chat: published.chat.file, code: published.code.file, embedding: published.embedding.file }).flatMap((s) => ["--set", s]),
];
const pull = (options?: Parameters<typeof models>[1]) => models(["pull", ...stackArgs()], options);
const verify = (...extra: string[]) => models(["verify", ...stackArgs(), ...extra]);
const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

beforeAll(async () => {
  hub = await FakeHub.start();
  const source = fs.mkdtempSync(path.join(os.tmpdir(), "hub-files-"));
  published = {
    chat: writeTinyModel(source, "tiny-chat-Q4_K_M.gguf", 2, 11),
    code: writeTinyModel(source, "tiny-code-Q4_K_M.gguf", 3, 12),
    embedding: writeTinyModel(source, "tiny-embed-q8_0.gguf", 1, 13),
  };
  (Object.keys(REPOS) as (keyof typeof REPOS)[]).forEach((role, i) =>
    hub.serve({ repo: REPOS[role], file: published[role].file, commit: COMMIT(i + 1), body: fs.readFileSync(published[role].path) }),
  );
});
afterAll(() => hub.close());

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "models-cli-"));
  modelsDir = path.join(work, "models");
  lockFile = path.join(work, "models.lock.json");
  hub.requests.length = 0;
  for (const role of Object.keys(REPOS) as (keyof typeof REPOS)[]) hub.setFaults(REPOS[role], published[role].file, undefined);
});

/** The lock `add` writes for all three files. */
function writeLock(): void {
  writeLockFile(lockFile, lockOf(Object.fromEntries((Object.keys(REPOS) as (keyof typeof REPOS)[]).map((role, i) => [published[role].file, hubEntry(published[role], REPOS[role], COMMIT(i + 1))]))));
}

describe("models add", () => {
  it("pins the commit, takes size and sha256 from the hub's headers and the facts from the header, reading only the header", async () => {
    const run = await models(["add", REPOS.code, published.code.file]);
    expect(run.code, run.stderr).toBe(0);
    const lock = parseModelLock(fs.readFileSync(lockFile, "utf8"));
    const entry = lock.models[published.code.file]!;
    expect(entry).toEqual({
      source: { repo: REPOS.code, file: published.code.file, revision: COMMIT(2) },
      size: published.code.size,
      sha256: published.code.sha256,
      gguf: lockedGgufOf(published.code.facts),
      provenance: {
        source: { from: "hub", note: 'X-Repo-Commit for revision "main"' },
        size: { from: "hub", note: "X-Linked-Size" },
        sha256: { from: "hub", note: "X-Linked-Etag" },
        gguf: { from: "header", note: expect.stringMatching(/^30 tensor infos in a \d+-byte header \(GGUF v3\); tensor data \d+ bytes$/) },
      },
    });
    // One HEAD on the resolve URL (nothing downloaded), then ranged GETs on the pinned commit only.
    const heads = hub.requests.filter((r) => r.method === "HEAD");
    expect(heads.map((r) => [r.path, r.status, r.bodyBytes])).toEqual([[`/${REPOS.code}/resolve/main/${published.code.file}`, 302, 0]]);
    const gets = hub.requests.filter((r) => r.method === "GET");
    expect(gets.every((r) => r.range?.startsWith("bytes=") && (r.path.includes(`/resolve/${COMMIT(2)}/`) || r.path.startsWith(`/cdn/${COMMIT(2)}/`)))).toBe(true);
    const bodyBytes = hub.bodyRequests().reduce((s, r) => s + r.bodyBytes, 0);
    expect(bodyBytes).toBeLessThan(published.code.size / 2);
    expect(run.stdout).toContain(`read ${bodyBytes} bytes`);
    expect(run.stdout).toContain("no tensor data");
  });

  it("writes the same lock again for the same file, and keeps other entries", async () => {
    await models(["add", REPOS.chat, published.chat.file]);
    await models(["add", REPOS.code, published.code.file, "--revision", COMMIT(2)]);
    const first = fs.readFileSync(lockFile, "utf8");
    const again = await models(["add", REPOS.code, published.code.file]);
    expect(again.stdout).toMatch(/^replaced tiny-code-Q4_K_M.gguf/);
    expect(fs.readFileSync(lockFile, "utf8")).toBe(first.replace('X-Repo-Commit for revision \\"' + COMMIT(2) + '\\"', 'X-Repo-Commit for revision \\"main\\"'));
    expect(Object.keys(parseModelLock(first).models)).toEqual([published.chat.file, published.code.file]);
  });

  it("a missing file, repo or revision is the hub's 404 with its error code, and writes nothing", async () => {
    const file = await models(["add", REPOS.code, "nope-Q4_K_M.gguf"]);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`error: ${REPOS.code}/nope-Q4_K_M.gguf at main: HTTP 404 EntryNotFound: ${REPOS.code} has no file nope-Q4_K_M.gguf at main`);
    const repo = await models(["add", "test/none", "x.gguf"]);
    expect(repo.stderr).toContain("HTTP 404 RepoNotFound: no repository test/none (or it is private: set HF_TOKEN)");
    const revision = await models(["add", REPOS.code, published.code.file, "--revision", "v9"]);
    expect(revision.stderr).toContain("HTTP 404 RevisionNotFound");
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it("refuses a file without a sha256 (not in LFS) and a split GGUF part", async () => {
    hub.setFaults(REPOS.chat, published.chat.file, { notLfs: true });
    const notLfs = await models(["add", REPOS.chat, published.chat.file]);
    expect(notLfs.code).toBe(1);
    expect(notLfs.stderr).toMatch(/the hub sent no sha256 .*git blob id: the file is not stored in LFS/);
    const split = await models(["add", REPOS.chat, "big-Q4_K_M-00001-of-00002.gguf"]);
    expect(split.stderr).toContain("one part of a split GGUF");
  });

  it("rejects bad usage with the usage text (exit 2)", async () => {
    const run = await models(["add", REPOS.chat]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: npm run models -- add <hf-repo> <file> [--revision R]");
    expect((await models(["pull"])).stderr).toContain("pull needs --stack <name>");
  });
});

describe("models pull and verify", () => {
  it("downloads every missing file of the stack, verified, then keeps them; verify passes", async () => {
    writeLock();
    const first = await pull();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const m of Object.values(published)) expect(sha(path.join(modelsDir, m.file))).toBe(m.sha256);
    expect(first.stdout).toMatch(/tiny-chat-Q4_K_M\.gguf │ downloaded/);
    expect(fs.readdirSync(modelsDir).sort()).toEqual(Object.values(published).map((m) => m.file).sort()); // no partials left
    const before = hub.bodyRequests().length;
    const second = await pull();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/tiny-code-Q4_K_M\.gguf │ present/);
    expect(hub.bodyRequests().length).toBe(before);
    const verified = await verify();
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain(`matches the lock: size ${published.code.size}, header (llama, 3 layers, 30 tensors), sha256`);
  });

  it("resumes after a dropped connection with a Range request from the bytes it has", async () => {
    writeLock();
    const cut = 1024 * 1024;
    hub.setFaults(REPOS.chat, published.chat.file, { dropAfterBytes: cut });
    const run = await pull();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const gets = hub.bodyRequests(published.chat.file);
    expect(gets.map((r) => r.range)).toEqual([undefined, `bytes=${cut}-`]);
    expect(gets[0]!.bodyBytes).toBe(cut);
    expect(run.stderr).toMatch(new RegExp(`tiny-chat-Q4_K_M\\.gguf: connection lost .* at ${cut} of ${published.chat.size} bytes; resuming`));
    expect(sha(path.join(modelsDir, published.chat.file))).toBe(published.chat.sha256);
  });

  it("an interrupted pull leaves only a partial file, which never passes verify, and the next pull resumes it", async () => {
    writeLock();
    const cut = 700_000;
    hub.setFaults(REPOS.code, published.code.file, { dropAfterBytes: cut });
    const failed = await pull({ download: { retries: 0 } });
    expect(failed.code).toBe(1);
    const target = path.join(modelsDir, published.code.file);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.statSync(`${target}.partial`).size).toBe(cut);
    expect(failed.stdout).toContain(`${cut} of ${published.code.size} bytes are kept in ${target}.partial: run pull again to resume`);
    const check = await verify();
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`missing (a partial download of ${cut} of ${published.code.size} bytes is next to it)`);

    hub.setFaults(REPOS.code, published.code.file, undefined);
    const resumed = await pull();
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(hub.bodyRequests(published.code.file).at(-1)!.range).toBe(`bytes=${cut}-`);
    expect(resumed.stderr).toContain(`resuming a partial download at ${cut} of ${published.code.size} bytes`);
    expect(sha(target)).toBe(published.code.sha256);
    expect(fs.existsSync(`${target}.partial`)).toBe(false);
  });

  it("a checksum mismatch is an error naming the file and both sums; nothing is left under the model's name", async () => {
    writeLock();
    const wrong = Buffer.from(fs.readFileSync(published.embedding.path));
    wrong[wrong.length - 1] ^= 0xff;
    hub.setFaults(REPOS.embedding, published.embedding.file, { wrongBody: wrong });
    const run = await pull();
    expect(run.code).toBe(1);
    const target = path.join(modelsDir, published.embedding.file);
    const actual = createHash("sha256").update(wrong).digest("hex");
    expect(run.stdout.replace(/\s*│\s*/g, " ")).toContain(`${target}: sha256 ${actual} does not match the lock's ${published.embedding.sha256}`);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.existsSync(`${target}.partial`)).toBe(false);
  });

  it("replaces a wrong file already in place (atomically, after verifying the new one)", async () => {
    writeLock();
    fs.mkdirSync(modelsDir, { recursive: true });
    const target = path.join(modelsDir, published.chat.file);
    fs.writeFileSync(target, Buffer.alloc(published.chat.size, 7));
    const run = await pull();
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/tiny-chat-Q4_K_M\.gguf │ replaced/);
    expect(sha(target)).toBe(published.chat.sha256);
  });

  it("restarts from zero when the server ignores the range, and stays correct", async () => {
    writeLock();
    const target = path.join(modelsDir, published.chat.file);
    hub.setFaults(REPOS.chat, published.chat.file, { dropAfterBytes: 500_000 });
    await pull({ download: { retries: 0 } });
    expect(fs.statSync(`${target}.partial`).size).toBe(500_000);
    hub.setFaults(REPOS.chat, published.chat.file, { ignoreRange: true });
    const run = await pull();
    expect(run.code, run.stdout).toBe(0);
    expect(run.stderr).toContain("the server ignored the range request; starting over");
    expect(sha(target)).toBe(published.chat.sha256);
  });

  it("a stalled transfer is aborted after the stall timeout and resumed", async () => {
    writeLock();
    hub.setFaults(REPOS.code, published.code.file, { stallAfterBytes: 400_000 });
    const run = await pull({ download: { stallTimeoutMs: 300 } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/tiny-code-Q4_K_M\.gguf: no data for 0\.3 s at 400000 of \d+ bytes; resuming/);
    expect(hub.bodyRequests(published.code.file).map((r) => r.range)).toEqual([undefined, "bytes=400000-"]);
    expect(sha(path.join(modelsDir, published.code.file))).toBe(published.code.sha256);
  });

  it("on a slow link the progress bar shows bytes, rate and time left", async () => {
    writeLock();
    hub.setFaults(REPOS.chat, published.chat.file, { bytesPerSec: 2 * 1024 * 1024 });
    const run = await pull({ tty: true });
    expect(run.code).toBe(0);
    const frames = run.stderr.split("\r\x1b[K").filter((f) => f.startsWith("tiny-chat-Q4_K_M.gguf ["));
    expect(frames.length).toBeGreaterThan(3);
    // "tiny-chat-Q4_K_M.gguf [#####-------------------]  21% 640 KiB / 2.94 MiB  2.00 MiB/s  ETA 1s"
    const line = /\[#*-*\]\s+(\d+)% ([\d.]+) (B|KiB|MiB) \/ ([\d.]+) MiB {2}([\d.]+) (B|KiB|MiB)\/s {2}ETA (\d+s|--)$/;
    expect(frames.filter((f) => !line.test(f))).toEqual([]);
    const parsed = frames.map((f) => line.exec(f)!).filter((m) => m[7] !== "--");
    const mid = parsed[Math.floor(parsed.length / 2)]!;
    const rate = Number(mid[5]) * (mid[6] === "MiB" ? 1024 * 1024 : 1024);
    expect(rate).toBeGreaterThan(0.5 * 1024 * 1024);
    expect(rate).toBeLessThan(8 * 1024 * 1024);
    expect(Number(mid[7]!.replace("s", ""))).toBeLessThanOrEqual(3);
    expect(run.stderr).toContain("tiny-chat-Q4_K_M.gguf: downloaded\n");
  });

  it("a lock entry the hub does not have (404) fails that file and says so; the others still arrive", async () => {
    writeLock();
    const lock = parseModelLock(fs.readFileSync(lockFile, "utf8"));
    lock.models[published.code.file]!.source.revision = COMMIT(99);
    writeLockFile(lockFile, lock);
    const run = await pull();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/tiny-code-Q4_K_M\.gguf │ failed +│ tiny-code-Q4_K_M\.gguf: HTTP 404/);
    expect(fs.existsSync(path.join(modelsDir, published.chat.file))).toBe(true);
  });

  it("a stack model that is not in the lock fails pull and verify with the command that adds it", async () => {
    writeLockFile(lockFile, lockOf({ [published.chat.file]: hubEntry(published.chat, REPOS.chat, COMMIT(1)) }));
    const run = await pull();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`npm run models -- add <hf-repo> ${published.code.file} [--revision R]`);
    const check = await verify("--json");
    expect(JSON.parse(check.stdout).verdicts.map((v: { file: string; status: string; failed?: string }) => [v.file, v.status, v.failed])).toEqual([
      [published.chat.file, "ok", undefined],
      [published.code.file, "fail", "lock"],
      [published.embedding.file, "fail", "lock"],
    ]);
  });

  it("verify names a file of the wrong size, header or content", async () => {
    writeLock();
    await pull();
    const chat = path.join(modelsDir, published.chat.file);
    const bytes = fs.readFileSync(chat);
    bytes[bytes.length - 10] ^= 1;
    fs.writeFileSync(chat, bytes);
    fs.appendFileSync(path.join(modelsDir, published.code.file), "more");
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/tiny-chat-Q4_K_M\.gguf │ FAIL +│ sha256 [0-9a-f]{64} does not match the lock's/);
    expect(run.stdout).toContain(`${published.code.size + 4} bytes, the lock says ${published.code.size}`);
    const quick = await verify("--quick");
    expect(quick.stdout).toMatch(/tiny-chat-Q4_K_M\.gguf │ OK/);
  });
});
