/**
 * The GPU measurement kit's dry run (scripts/gpu-vram): everything but the CUDA
 * build and the servers, as CI can run it. The models it materialises from their
 * headers read back, through the product's header reader, as exactly the lock's
 * facts; each server gets the plan's own argv; compare.ts reads the logs a CUDA
 * server writes.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lockedFacts } from "../lib/models/lock";
import { readLocalModelFacts } from "../ops/models/header-read";
import { readProgramModelLock } from "../program/model-lock";
import { REPO_DIR } from "./support/pulumi-cli";

describe("scripts/gpu-vram, dry run", () => {
  it("prepares the p2 pair, materialises models equal to the lock's, and runs each server with the plan's argv", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-vram-"));
    try {
      execFileSync("npx", ["tsx", "scripts/gpu-vram/prepare.ts", dir], { cwd: REPO_DIR, stdio: "pipe" });
      execFileSync("bash", ["scripts/gpu-vram/run-on-gpu.sh", dir, "--dry-run"], {
        cwd: REPO_DIR,
        stdio: "pipe",
        env: { ...process.env, OUT: "" },
      });
      const plan = JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as {
        servers: { service: string; model: string; argv: string[] }[];
      };
      expect(plan.servers.map((s) => s.service)).toEqual(["inference-chat", "inference-code"]);
      const lock = lockedFacts(readProgramModelLock(REPO_DIR));
      for (const s of plan.servers) {
        const facts = await readLocalModelFacts(path.join(dir, "models", s.model));
        expect(facts.tensors, s.model).toEqual(lock[s.model]!.tensors);
        expect({ nLayer: facts.nLayer, nHeadKv: facts.nHeadKv, nVocab: facts.nVocab }).toEqual({
          nLayer: lock[s.model]!.nLayer,
          nHeadKv: lock[s.model]!.nHeadKv,
          nVocab: lock[s.model]!.nVocab,
        });
      }
      const commands = fs.readFileSync(path.join(dir, "out", "commands.txt"), "utf8");
      for (const s of plan.servers) {
        const flags = s.argv.filter(
          (a, i) => !["--host", "--port", "--model"].includes(s.argv[i - 1] ?? "") && !["--host", "--port", "--model"].includes(a),
        );
        expect(commands).toContain(`${s.service}: `);
        expect(commands.split("\n").find((l) => l.startsWith(`${s.service}: `))).toContain(flags.join(" "));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("compares a CUDA server's buffers and its process memory with the plan", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-vram-out-"));
    try {
      const estimate = { weightsMiB: 1834.83, kvMiB: 36, computeMiB: 300.75, overheadMiB: 300, totalMiB: 2471.58 };
      fs.writeFileSync(path.join(out, "plan.json"), JSON.stringify({ servers: [{ service: "inference-chat", estimate }] }));
      fs.writeFileSync(
        path.join(out, "inference-chat.log"),
        [
          "0.01.000 I load_tensors: offloaded 37/37 layers to GPU",
          "0.01.001 I load_tensors:        CUDA0 model buffer size =  1834.83 MiB",
          "0.01.002 I load_tensors:   CPU_Mapped model buffer size =   243.43 MiB",
          "0.01.100 I llama_kv_cache:      CUDA0 KV buffer size =    36.00 MiB",
          "0.01.200 I sched_reserve:      CUDA0 compute buffer size =   300.75 MiB",
          "0.01.201 I sched_reserve:  CUDA_Host compute buffer size =    10.01 MiB",
        ].join("\n"),
      );
      fs.writeFileSync(path.join(out, "pids.txt"), "inference-chat 4242\n");
      fs.writeFileSync(path.join(out, "processes.csv"), "4242, 2650\n");
      fs.writeFileSync(
        path.join(out, "gpu.csv"),
        "name, memory.total [MiB], memory.used [MiB]\nNVIDIA H100 80GB HBM3, 81559 MiB, 2700 MiB\n",
      );
      const line = execFileSync("npx", ["tsx", "scripts/gpu-vram/compare.ts", out], { cwd: REPO_DIR, encoding: "utf8" }).trim();
      expect(line).toBe(
        'gpu-vram: gpu="NVIDIA H100 80GB HBM3" service=inference-chat weights_mib=1834.83/1834.83 kv_mib=36/36 compute_mib=300.75/300.75 process_mib=2650/2471.58 overhead_mib=478.42/300',
      );
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
