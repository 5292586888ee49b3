/**
 * A llama-server router container (b9851: llama-server with no --model and
 * no -hf) as the policies see it: the models it may load and the argv each
 * child gets, read from its argv and the preset file shipped in its uploads,
 * which is what the router itself reads.
 */
import { parseLlamaArgs } from "../../lib/vram";
import { parsePresetIni, presetSectionArgv } from "../../lib/vram/llama-preset";
import type { ContainerView } from "./container-view";
import { llamaServerArgv } from "./llama-server";

/** b9851's --models-max default (common/arg.cpp); 0 means no limit. */
export const DEFAULT_MODELS_MAX = 4;

export interface RouterModelArgv {
  name: string;
  argv: string[];
}

export interface RouterView {
  /** Models loaded at once at most (all of them when --models-max is 0). */
  maxLoaded: number;
  models: RouterModelArgv[];
  /** Why the set of loadable models cannot be known or is not closed. */
  problems: string[];
}

/** Router-only arguments, which the router strips before handing its argv to a child. */
const ROUTER_FLAGS = ["--models-preset", "--models-dir", "--models-max"];
const ROUTER_SWITCHES = ["--models-autoload", "--no-models-autoload"];

const valueOf = (argv: readonly string[], flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  return argv.find((t) => t.startsWith(`${flag}=`))?.slice(flag.length + 1);
};

/** The preset file a llama-server router container is given, if it is one. */
export function routerPresetPathOf(c: ContainerView): string | undefined {
  const argv = llamaServerArgv(c);
  return argv && isRouterArgv(argv) ? valueOf(argv, "--models-preset") : undefined;
}

export function isRouterArgv(argv: readonly string[]): boolean {
  return parseLlamaArgs(argv).model === undefined && !argv.some((t) => /^(-hf|--hf-repo)(=|$)/.test(t));
}

/** The router's view, or undefined when the argv loads one model itself. */
export function routerView(c: ContainerView, argv: readonly string[]): RouterView | undefined {
  if (!isRouterArgv(argv)) return undefined;
  const problems: string[] = [];
  if (valueOf(argv, "--models-dir") !== undefined) {
    problems.push(
      "it is given --models-dir, so it may load any GGUF file in that directory, not only locked ones. Fix: list the models in a --models-preset file instead",
    );
  }
  const presetPath = valueOf(argv, "--models-preset");
  const upload = presetPath === undefined ? undefined : (c.props.uploads ?? []).find((u) => u.file === presetPath);
  if (presetPath === undefined) {
    problems.push(
      "it has neither --model nor --models-preset, so it serves whatever is in its model cache. Fix: give it a --models-preset file listing the models it may load",
    );
  } else if (upload?.content === undefined) {
    problems.push(
      `its preset ${presetPath} is not among the files shipped into the container (uploads), so the models it may load cannot be checked. Fix: ship the preset as an upload (the plan does: lib/plan/llama-router.ts)`,
    );
  }
  const maxArg = valueOf(argv, "--models-max");
  const max = maxArg === undefined ? DEFAULT_MODELS_MAX : Number(maxArg);
  if (!Number.isInteger(max) || max < 0) problems.push(`--models-max "${maxArg}" is not a whole number`);
  const models: RouterModelArgv[] = [];
  if (upload?.content !== undefined) {
    try {
      const preset = parsePresetIni(upload.content);
      if (preset.topLevel.length) {
        problems.push(
          `its preset has keys outside any section (${preset.topLevel.join(", ")}), which b9851 turns into a model of their own. Fix: move them into [*] or a model's section`,
        );
      }
      const global = preset.sections.find((s) => s.name === "*");
      const base = routerBaseArgv(argv);
      for (const section of preset.sections.filter((s) => s !== global)) {
        // The router's own argv reaches every child with priority over the preset: last, so it wins.
        const childArgv = [...presetSectionArgv(section, global), ...base];
        if (parseLlamaArgs(childArgv).model === undefined) {
          problems.push(
            `its preset section [${section.name}] names no model, so loading it starts a nested router. Fix: set model = /models/<file>.gguf`,
          );
          continue;
        }
        models.push({ name: section.name, argv: childArgv });
      }
    } catch (error) {
      problems.push(`its preset cannot be read: ${(error as Error).message}`);
    }
  }
  return { maxLoaded: max === 0 || Number.isNaN(max) ? models.length : Math.min(max, models.length), models, problems };
}

/** The router's argv without its router-only arguments: what each child inherits. */
function routerBaseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (ROUTER_SWITCHES.includes(t)) continue;
    if (ROUTER_FLAGS.includes(t)) {
      i++;
      continue;
    }
    if (ROUTER_FLAGS.some((f) => t.startsWith(`${f}=`))) continue;
    out.push(t);
  }
  return out;
}
