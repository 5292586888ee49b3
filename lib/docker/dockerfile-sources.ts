/**
 * The build-context paths a Dockerfile reads: the sources of its COPY and ADD
 * lines (not `--from` another stage), so that an image's source digest covers
 * what goes into it and not its siblings in a shared context. Undefined when
 * the answer is not plain (a glob, a variable, a URL, a heredoc): then the
 * whole context counts.
 */
export function dockerfileSources(dockerfile: string): string[] | undefined {
  const lines = dockerfile
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim());
  const sources: string[] = [];
  for (const line of lines) {
    const match = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!match) continue;
    let rest = match[2]!.trim();
    if (rest.includes("<<")) return undefined;
    let fromStage = false;
    for (let flag = /^--([a-z-]+)(=\S*)?\s+/.exec(rest); flag; flag = /^--([a-z-]+)(=\S*)?\s+/.exec(rest)) {
      if (flag[1] === "from") fromStage = true;
      rest = rest.slice(flag[0].length);
    }
    if (fromStage) continue;
    const args: string[] = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    for (const source of args.slice(0, -1)) {
      if (/[*?[\]$]|:\/\//.test(source)) return undefined;
      sources.push(source.replace(/^\.?\/+/, "").replace(/\/+$/, "") || ".");
    }
  }
  return sources;
}
