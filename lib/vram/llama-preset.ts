/**
 * llama-server's model preset file (`--models-preset`, router mode, b9851):
 * INI sections, one per model, whose keys are argument names without the
 * dashes (`n-gpu-layers = 99`; short forms such as `c` and `ngl` too). The plan
 * renders one from argv, and the policy pack reads it back into argv for the
 * VRAM model, so both see what the router hands each child.
 * Keys outside any section form a model of their own in b9851 (a preset file
 * with a top-level `version = 1` lists a model "default" that spawns a nested
 * router), so neither side writes or accepts them.
 */
import { isValuelessFlag } from "./llama-args";

export interface PresetSection {
  name: string;
  options: [key: string, value: string][];
}

export interface PresetFile {
  sections: PresetSection[];
  /** Keys before the first section, with their line numbers. */
  topLevel: string[];
}

/** Keys b9851 reads from a preset that are no command-line arguments (server-models.cpp). */
export const PRESET_ONLY_KEYS = ["load-on-startup", "stop-timeout"];

const TRUE_VALUES = new Set(["true", "1", "on", "yes"]);

export function parsePresetIni(text: string): PresetFile {
  const sections: PresetSection[] = [];
  const topLevel: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1]!.trim(), options: [] });
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`preset line ${i + 1} is neither a [section] nor key = value: "${line}"`);
    const entry: [string, string] = [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
    if (sections.length === 0) topLevel.push(`line ${i + 1}: ${entry[0]}`);
    else sections[sections.length - 1]!.options.push(entry);
  }
  return { sections, topLevel };
}

/**
 * A section's options as the argv its child server gets (preset-only keys
 * dropped). `[*]` (global) options come first, so the section's own win, as in
 * b9851. A flag the VRAM model knows to take no value is written when its
 * value is true and left out otherwise (leaving out `no-kv-offload` or
 * `kv-offload` both assume the KV cache on the GPU: the larger estimate).
 */
export function presetSectionArgv(section: PresetSection, global?: PresetSection): string[] {
  const argv: string[] = [];
  for (const [key, value] of [...(global?.options ?? []), ...section.options]) {
    if (PRESET_ONLY_KEYS.includes(key)) continue;
    if (/^LLAMA_/.test(key))
      throw new Error(`section [${section.name}] sets ${key}: write the argument's own name (e.g. n-gpu-layers) instead`);
    const flag = key.length <= 3 ? `-${key}` : `--${key}`;
    if (!isValuelessFlag(flag)) argv.push(flag, value);
    else if (TRUE_VALUES.has(value.toLowerCase())) argv.push(flag);
  }
  return argv;
}

/** argv (`--key value` pairs and bare `--flag`s) as preset lines; `drop` names the router's own keys. */
export function presetLinesOf(argv: readonly string[], drop: readonly string[] = []): string[] {
  const lines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!.replace(/^--?/, "");
    const next = argv[i + 1];
    const hasValue = next !== undefined && !/^--?[a-z]/i.test(next);
    if (!drop.includes(key)) lines.push(`${key} = ${hasValue ? next : "true"}`);
    if (hasValue) i++;
  }
  return lines;
}
