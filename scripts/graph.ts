/** `npm run graph -- --stack <name> [--markdown]`: the stack's services and health-gated dependencies as a Mermaid flowchart. */
import { EXIT, loadStackOrExit, parseTaskArgs } from "../ops/cli";
import { renderMermaid } from "../ops/mermaid";

async function main(): Promise<number> {
  const args = parseTaskArgs("graph", "[--markdown]", { markdown: { type: "boolean" } });
  const { plan } = await loadStackOrExit(args);
  const chart = renderMermaid(plan);
  process.stdout.write(args.values.markdown ? `\`\`\`mermaid\n${chart}\n\`\`\`\n` : `${chart}\n`);
  return EXIT.ok;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`graph failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
