/**
 * `npm run bench:rag [-- --docs 200 --queries 200]`: the RAG service and the
 * embedding service run as their own Node 24 processes (as in their images)
 * in front of stand-ins in this process: fake Qdrant, a stand-in embedding
 * llama-server, and a chat stand-in called directly (no LiteLLM in between,
 * so its overhead stays out of the figures). Indexes N small documents in one
 * /index call, then sends M queries one after another.
 *
 * Prints context on stderr and one line on stdout:
 *   rag: docs=N docs_per_s=X queries=M p50_ms=X p99_ms=X overhead_ms=X
 * p50/p99 are the client's query latencies; overhead_ms is the median of the
 * RAG service's own time per query: the client's latency minus the time the
 * service waited on the embedding service, Qdrant and the chat model (from its
 * Server-Timing header). So it includes RAG's HTTP handling on both ends and
 * the loopback hop, not only the time inside its handler (printed on stderr).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FakeEmbeddingLlamaServer } from "../test/support/fake-embedding-llama-server";
import { FakeLlamaServer } from "../test/support/fake-llama-server";
import { FakeQdrant } from "../test/support/fake-qdrant";
import { freePort } from "../test/support/free-ports";
import { node24 } from "../test/support/node24";
import { percentile, ragLine, splitServerTiming } from "./rag-report";

const SERVICES = path.resolve(__dirname, "..", "services");
const TOPICS = [
  "orbit",
  "harbor",
  "violin",
  "glacier",
  "compiler",
  "saffron",
  "lantern",
  "meadow",
  "quartz",
  "tundra",
  "falcon",
  "pottery",
];

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** A ~120-word document about two topics, so queries have a best match. */
function documentText(i: number): string {
  const a = TOPICS[i % TOPICS.length]!;
  const b = TOPICS[(i * 7 + 3) % TOPICS.length]!;
  const words: string[] = [];
  for (let w = 0; w < 120; w++) words.push(w % 4 === 0 ? `${a}${i}` : w % 3 === 0 ? b : `${a}-${w % 11}`);
  return `# Note ${i} on ${a} and ${b}\n\n${words.join(" ")}\n`;
}

function startService(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(node24(), [path.join(SERVICES, script)], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${script}] ${d}`));
  return child;
}

async function waitFor(url: string, ready: (status: number, body: string) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (ready(res.status, await res.text())) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const docs = intArg("docs", 200);
  const queries = intArg("queries", 200);
  const qdrant = new FakeQdrant();
  const llama = new FakeEmbeddingLlamaServer();
  const chat = new FakeLlamaServer("chat-stand-in");
  await Promise.all([qdrant.start(), llama.start(), chat.start()]);
  const documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rag-"));
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < docs; i++) fs.writeFileSync(path.join(documentsDir, `note-${String(i).padStart(4, "0")}.md`), documentText(i));

    const embeddingPort = await freePort();
    children.push(
      startService("embedding/src/main.ts", {
        EMBEDDING_PORT: String(embeddingPort),
        EMBEDDING_HOST: "127.0.0.1",
        EMBEDDING_LLAMA_URL: llama.url,
      }),
    );
    await waitFor(`http://127.0.0.1:${embeddingPort}/health`, (_s, body) => body.includes('"ok":true'));
    const ragPort = await freePort();
    const rag = `http://127.0.0.1:${ragPort}`;
    children.push(
      startService("rag/src/main.ts", {
        RAG_PORT: String(ragPort),
        RAG_HOST: "127.0.0.1",
        QDRANT_URL: qdrant.url,
        EMBEDDING_URL: `http://127.0.0.1:${embeddingPort}`,
        RAG_LLM_API_BASE: chat.apiBase,
        RAG_LLM_API_KEY: "sk-bench",
        DOCUMENTS_DIR: documentsDir,
        RAG_CHUNK_SIZE: "100",
        RAG_CHUNK_OVERLAP: "20",
      }),
    );
    await waitFor(`${rag}/health`, (status) => status === 200);

    const indexStarted = performance.now();
    const indexed = await fetch(`${rag}/index?collection=bench`, { method: "POST" });
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    const report = (await indexed.json()) as { chunks?: number; indexed_files?: unknown[]; detail?: unknown };
    if (indexed.status !== 200 || report.indexed_files?.length !== docs)
      throw new Error(`indexing failed: ${indexed.status} ${JSON.stringify(report).slice(0, 300)}`);

    const ask = async (i: number) => {
      const topic = TOPICS[i % TOPICS.length]!;
      const started = performance.now();
      const res = await fetch(`${rag}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `what about ${topic}${i % docs}?`, collection: "bench" }),
      });
      const ms = performance.now() - started;
      await res.text();
      if (res.status !== 200) throw new Error(`query ${i} answered ${res.status}`);
      return { ms, ...splitServerTiming(res.headers.get("server-timing")) };
    };
    for (let i = 0; i < 5; i++) await ask(i); // warm-up (JIT, keep-alive connections), not counted
    const queryMs: number[] = [];
    const overheadMs: number[] = [];
    const handlerMs: number[] = [];
    const upstreamMs: number[] = [];
    for (let i = 0; i < queries; i++) {
      const q = await ask(i);
      queryMs.push(q.ms);
      overheadMs.push(q.ms - q.upstreamMs);
      handlerMs.push(q.totalMs - q.upstreamMs);
      upstreamMs.push(q.upstreamMs);
    }

    console.error(
      `RAG and embedding services as child processes of ${node24()}; stand-ins in this process; chat stand-in called directly (no LiteLLM)`,
    );
    console.error(
      `  indexed ${docs} documents (${report.chunks} chunks) in ${indexSeconds.toFixed(2)} s; ${queries} sequential queries after 5 warm-up ones`,
    );
    console.error(
      `  per query (median): waiting on upstreams ${percentile(upstreamMs, 50).toFixed(2)} ms, inside the handler otherwise ${percentile(handlerMs, 50).toFixed(2)} ms, ` +
        `HTTP in/out of RAG ${(percentile(overheadMs, 50) - percentile(handlerMs, 50)).toFixed(2)} ms`,
    );
    console.log(ragLine({ docs, indexSeconds, queryMs, overheadMs }));
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all([qdrant.stop(), llama.kill(), chat.kill()]);
    fs.rmSync(documentsDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
