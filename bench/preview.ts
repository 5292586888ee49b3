/**
 * `npm run bench:preview [-- --runs 3]`: wall time of a real `pulumi preview`
 * of p2 and p3 with the policy pack (CLI start to exit, empty state), as a user
 * runs it (the program type-checked by ts-node) and as the tests run it
 * (PULUMI_NODEJS_TRANSPILE_ONLY), and of the program alone under mocks. One
 * line per stack, medians of --runs.
 */
import * as path from "node:path";
import { cleanup, initStack, preview, REPO_DIR, tempProject } from "../test/support/pulumi-cli";
import { runStackFile } from "../test/support/pulumi-harness";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function enginePreviewMs(stack: string, typeCheck: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const project = tempProject({ stacks: { [stack]: path.join(REPO_DIR, `Pulumi.${stack}.yaml`) } });
    if (typeCheck) delete project.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    try {
      await initStack(project, stack);
      const run = await preview(project, { stack, pack: true });
      if (run.code !== 0) throw new Error(`preview of ${stack} failed:\n${run.output}`);
      times.push(run.ms);
    } finally {
      cleanup(project);
    }
  }
  return times;
}

async function mocksMs(stack: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await runStackFile(stack);
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  for (const stack of ["p2", "p3"]) {
    const user = await enginePreviewMs(stack, true);
    const transpileOnly = await enginePreviewMs(stack, false);
    const mocks = await mocksMs(stack);
    console.log(
      `preview: stack=${stack} runs=${RUNS} engine_s=${seconds(median(user))} engine_transpile_only_s=${seconds(median(transpileOnly))} mocks_s=${seconds(median(mocks))}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
