/**
 * A small typed writer for Grafana Alloy's configuration syntax (it is not
 * YAML): blocks with optional labels, attributes, nested blocks, and
 * references to other components' exports.
 */

export interface AlloyRef {
  /** An expression written as-is, e.g. `loki.write.default.receiver`. */
  ref: string;
}

export type AlloyValue = string | number | boolean | AlloyRef | AlloyValue[] | { [key: string]: AlloyValue };

export interface AlloyBlock {
  name: string;
  label?: string;
  attrs?: Record<string, AlloyValue>;
  blocks?: AlloyBlock[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BLOCK_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function isRef(value: AlloyValue): value is AlloyRef {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as AlloyRef).ref === "string" &&
    Object.keys(value).length === 1
  );
}

function renderValue(value: AlloyValue, indent: string): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`Alloy numbers must be finite, got ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (isRef(value)) {
    if (!BLOCK_NAME.test(value.ref)) throw new Error(`not a component reference: ${value.ref}`);
    return value.ref;
  }
  if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, indent)).join(", ")}]`;
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} = ${renderValue(v, inner)},`).join("\n")}\n${indent}}`;
}

function renderBlock(block: AlloyBlock, indent: string): string {
  if (!BLOCK_NAME.test(block.name)) throw new Error(`invalid Alloy block name "${block.name}"`);
  const header = block.label === undefined ? block.name : `${block.name} ${JSON.stringify(block.label)}`;
  const inner = `${indent}  `;
  const lines = [
    ...Object.entries(block.attrs ?? {}).map(([k, v]) => {
      if (!IDENT.test(k)) throw new Error(`invalid Alloy attribute name "${k}"`);
      return `${inner}${k} = ${renderValue(v, inner)}`;
    }),
    ...(block.blocks ?? []).map((b) => renderBlock(b, inner)),
  ];
  return `${indent}${header} {\n${lines.join("\n")}\n${indent}}`;
}

export function renderAlloy(blocks: AlloyBlock[]): string {
  return `${blocks.map((b) => renderBlock(b, "")).join("\n\n")}\n`;
}
