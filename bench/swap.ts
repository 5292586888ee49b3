/**
 * `npm run bench:swap [-- --rounds 10]`: what on-demand loading costs, on the
 * real llama-server b9851 in router mode (test/deploy/router-stack.ts: a CPU
 * router holding one model at a time, deployed by `pulumi up` with the pack).
 * Each round asks the router straight for the model it has loaded (first
 * token, loaded), then for the other one (first token, swapped: the loaded one
 * is unloaded and waited for, the other spawned and loaded). The router's
 * children are sampled every 5 ms throughout. Prints one line
 * (lib/report/swap.ts); destroys the stack at the end, also after a failure.
 * On a GPU host the swap also pays the weights' upload to VRAM, and the first
 * load of a file pays the disk: this CPU run with 17 MB models from page
 * cache measures the router's own cost.
 */
import { swapLine } from "../lib/report/swap";
import { inspect, llamaApiKey } from "../test/deploy/fault-rig";
import { prepareRouterDeploy, ROUTED } from "../test/deploy/router-stack";
import { sampleChildren, timedCompletion } from "../test/support/llama-router-client";

const argRounds = process.argv.indexOf("--rounds");
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 10;

async function main(): Promise<number> {
  const deploy = await prepareRouterDeploy();
  try {
    const up = await deploy.up();
    if (up.code !== 0) throw new Error(`pulumi up failed (${up.code}):\n${up.output.slice(-4000)}`);
    const url = `http://127.0.0.1:${deploy.e2e.ports["inference.chat.hostPort"]}`;
    const maxLoaded = deploy.e2e.stackConfig.inference.chat.router!.maxLoaded;
    const auth = { authorization: `Bearer ${await llamaApiKey(deploy.name("inference-chat"))}` };
    const sampler = sampleChildren((await inspect(deploy.name("inference-chat"))).pid, 5);
    const ok = async (model: string) => {
      const r = await timedCompletion(url, model, auth);
      if (r.status !== 200) throw new Error(`${model}: ${r.status} ${r.error}`);
      return r.firstTokenMs;
    };
    const pair = [ROUTED.chat, ROUTED.code];
    await ok(pair[0]!); // the first load of the run: the file may not be in page cache yet
    const loadedMs: number[] = [];
    const swappedMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      loadedMs.push(await ok(pair[i % 2]!));
      swappedMs.push(await ok(pair[(i + 1) % 2]!));
    }
    console.log(swapLine({ models: pair.length, maxLoaded, loadedMs, swappedMs, peakChildren: sampler.stop().peak }));
    return 0;
  } finally {
    const notes = await deploy.cleanup();
    if (notes.length) console.error(notes.join("\n"));
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
