/**
 * `npm run bench:vram`: the VRAM estimate for each catalog model over a grid of
 * -ngl and -c (pinned build), then the published llama.cpp cases with the error
 * in percent for the build era each log came from.
 */
import {
  CATALOG,
  catalogModels,
  estimateFromArgs,
  pinnedLlamaBuild,
  REFERENCE_MEASUREMENT_BUILD,
  type VramEstimate,
} from "../lib/vram";
import { PUBLISHED_CASES, REFERENCE_PAIR } from "../lib/vram/published-cases";

const NGL = [0, 10, 20, "all"] as const;
const CTX = [1024, 4096, 8192];
const fmt = (n: number, w = 8) => n.toFixed(2).padStart(w);
const pct = (est: number, pub: number) => `${(((est - pub) / pub) * 100 >= 0 ? "+" : "")}${(((est - pub) / pub) * 100).toFixed(2)}%`;

function grid(): void {
  const build = pinnedLlamaBuild();
  console.log(`## Estimates at the pinned build b${build} (-b 128 -ub 128 -np 1 -fa off, f16 KV, 300 MiB overhead)\n`);
  console.log("model                         ngl    ctx   layers   weights       KV  compute    total");
  for (const entry of CATALOG) {
    const file = `${entry.name}-Q4_K_M.gguf`;
    for (const ngl of NGL) {
      for (const ctx of CTX) {
        const e = estimateFromArgs(["-m", `/models/${file}`, "-c", String(ctx), "-b", "128", "-ub", "128", "-np", "1", "-fa", "off", "-ngl", String(ngl)], catalogModels);
        console.log(`${entry.name.padEnd(28)} ${String(ngl).padStart(4)} ${String(ctx).padStart(6)} ${`${e.layersOnGpu}/${e.totalLayers}`.padStart(8)} ${fmt(e.weightsMiB)} ${fmt(e.kvMiB)} ${fmt(e.computeMiB)} ${fmt(e.totalMiB)}`);
      }
    }
  }
}

function published(): void {
  console.log("\n## Published llama.cpp figures vs estimate (catalog path)\n");
  console.log("| case | build modelled | buffer | published MiB | estimate MiB | error |");
  console.log("|---|---|---|---:|---:|---:|");
  for (const c of PUBLISHED_CASES) {
    const e = estimateFromArgs(c.argv, catalogModels, { llamaBuild: c.llamaBuild });
    const rows: [string, number | undefined, number][] = [
      ["weights", c.published.weightsMiB, e.weightsMiB],
      ["KV", c.published.kvMiB, e.kvMiB],
      ["compute", c.published.computeMiB, e.computeMiB],
    ];
    for (const [name, pub, est] of rows) {
      if (pub !== undefined) console.log(`| ${c.id} | b${c.llamaBuild} | ${name} | ${pub.toFixed(2)} | ${est.toFixed(2)} | ${pct(est, pub)} |`);
    }
  }
  const opts = { llamaBuild: REFERENCE_PAIR.llamaBuild };
  const chat = estimateFromArgs(REFERENCE_PAIR.chat, catalogModels, opts);
  const code = estimateFromArgs(REFERENCE_PAIR.code, catalogModels, opts);
  const sum = chat.totalMiB + code.totalMiB;
  console.log(`| reference pair: 3B ngl 999 + 7B coder ngl 20 | b${REFERENCE_MEASUREMENT_BUILD} | nvidia-smi used | ${REFERENCE_PAIR.measuredUsedMiB.toFixed(2)} | ${sum.toFixed(2)} | ${pct(sum, REFERENCE_PAIR.measuredUsedMiB)} |`);
  console.log("\nReference pair breakdown:");
  for (const [name, e] of [["chat 3B", chat], ["code 7B", code]] as [string, VramEstimate][]) {
    console.log(`  ${name}: weights ${e.weightsMiB} + KV ${e.kvMiB} + compute ${e.computeMiB} + overhead ${e.overheadMiB} = ${e.totalMiB} MiB (${e.layersOnGpu}/${e.totalLayers} layers)`);
  }
  const buffers = sum - chat.overheadMiB - code.overheadMiB;
  console.log(`  llama.cpp buffers ${buffers.toFixed(2)} MiB; overhead per process implied by 5374 MiB: ${((REFERENCE_PAIR.measuredUsedMiB - buffers) / 2).toFixed(0)} MiB`);
  console.log(`\nRules: ${chat.rule}`);
}

try {
  grid();
  published();
} catch (err: unknown) {
  console.error(err);
  process.exitCode = 1;
}
