/**
 * The README's configuration table, generated from the schema (one source):
 * a row for every key whose schema has a description (`.describe()` or
 * `.meta({ description, defaultText })`), its default from the defaulted config,
 * and, for a described section, the keys below it that have no row of their
 * own. Sibling sections with the same shape share rows (`inference.{chat,code}`).
 * `npm run docs:config` writes it into README.md; a test fails when they differ.
 */
import { z } from "zod";
import { defaultStackConfig } from "./load";
import { StackConfigObject } from "./schema";

export const TABLE_START = "<!-- config-table:start -->";
export const TABLE_END = "<!-- config-table:end -->";

interface JsonNode {
  type?: string;
  description?: string;
  defaultText?: string;
  properties?: Record<string, JsonNode>;
  items?: JsonNode;
  [key: string]: unknown;
}

export interface ConfigRow {
  key: string;
  default: string;
  meaning: string;
}

export function configJsonSchema(): JsonNode {
  return z.toJSONSchema(StackConfigObject, { io: "input", unrepresentable: "any" }) as JsonNode;
}

/** A node's children: an object's properties, or an array's item properties (as `key[]`). */
function children(node: JsonNode): [string, JsonNode][] {
  if (node.properties) return Object.entries(node.properties);
  if (node.type === "array" && node.items?.properties) return Object.entries(node.items.properties).map(([k, v]) => [`[].${k}`, v]);
  return [];
}

const hasRowBelow = (node: JsonNode): boolean => children(node).some(([, c]) => c.description !== undefined || hasRowBelow(c));

/** The shape of a node without its defaults, to find sibling sections that are the same. */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shape);
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node as Record<string, unknown>).filter(([k]) => k !== "default" && k !== "defaultText").map(([k, v]) => [k, shape(v)]));
  }
  return node;
}

function valueAt(root: unknown, path: string[]): unknown {
  let cursor: unknown = root;
  for (const step of path) {
    let part = step;
    if (part.startsWith("[].")) {
      cursor = Array.isArray(cursor) ? cursor[0] : undefined;
      part = part.slice(3);
    }
    cursor = cursor && typeof cursor === "object" ? (cursor as Record<string, unknown>)[part] : undefined;
  }
  return cursor;
}

function formatValue(v: unknown): string {
  if (v === undefined) return "(unset)";
  if (typeof v === "string") return v === "" ? '`""`' : `\`${v}\``;
  if (typeof v === "number" || typeof v === "boolean") return `\`${v}\``;
  const json = JSON.stringify(v);
  return json.length <= 40 ? `\`${json}\`` : "";
}

/** One default per sibling that shares the row, each shown once ("a / b" when they differ). */
function formatDefault(nodes: JsonNode[], values: unknown[]): string {
  const texts = nodes.map((node, i) => node.defaultText ?? (node.properties || node.type === "array" ? "" : formatValue(values[i])));
  return [...new Set(texts)].filter(Boolean).join(" / ");
}

/** Rows for `nodes` (one per sibling section sharing the rows) at `paths`, shown as `label`. */
function rowsOf(nodes: JsonNode[], label: string, paths: string[][], defaults: unknown, out: ConfigRow[]): void {
  const node = nodes[0]!;
  if (node.description !== undefined) {
    const undocumented = children(node).filter(([, c]) => c.description === undefined && !hasRowBelow(c)).map(([k]) => k.replace(/^\[\]\./, ""));
    const fields = undocumented.length ? ` Fields: ${undocumented.join(", ")}.` : "";
    out.push({ key: label, default: formatDefault(nodes, paths.map((p) => valueAt(defaults, p))), meaning: `${node.description}${fields}` });
  }
  const kids = children(node);
  const done = new Set<string>();
  for (const [name, child] of kids) {
    if (done.has(name)) continue;
    // Siblings with the same shape and a description share their rows.
    const same = child.description !== undefined && (child.properties || child.type === "array") ? kids.filter(([n, c]) => !done.has(n) && JSON.stringify(shape(c)) === JSON.stringify(shape(child))).map(([n]) => n) : [name];
    for (const n of same) done.add(n);
    const part = same.length > 1 ? `{${same.join(",")}}` : name;
    const childLabel = part.startsWith("[]") ? `${label}${part}` : label ? `${label}.${part}` : part;
    // Each row of a shared section shows every sibling's default: one path per sibling, in the same order.
    const childNodes = nodes.flatMap((n) => same.map((s) => children(n).find(([k]) => k === s)![1]));
    rowsOf(childNodes, childLabel, paths.flatMap((p) => same.map((n) => [...p, n])), defaults, out);
  }
}

export function configRows(): ConfigRow[] {
  const rows: ConfigRow[] = [];
  rowsOf([configJsonSchema()], "", [[]], defaultStackConfig(), rows);
  return rows;
}

/** Config keys (leaves) that neither have a row nor sit below a described section. */
export function undocumentedKeys(): string[] {
  const missing: string[] = [];
  const walk = (node: JsonNode, label: string, covered: boolean) => {
    const here = covered || node.description !== undefined;
    const kids = children(node);
    if (!kids.length && !here) missing.push(label);
    for (const [name, child] of kids) walk(child, name.startsWith("[]") ? `${label}${name}` : label ? `${label}.${name}` : name, here);
  };
  walk(configJsonSchema(), "", false);
  return missing;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function configTableMarkdown(): string {
  const lines = [
    "<!-- generated by `npm run docs:config` from the descriptions in lib/config/ (schema.ts and its sections); edit them there -->",
    "| key | default | meaning |",
    "|---|---|---|",
    ...configRows().map((r) => `| \`${r.key}\` | ${cell(r.default)} | ${cell(r.meaning)} |`),
  ];
  return lines.join("\n");
}

/** `readme` with the text between the markers replaced by the generated table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTableMarkdown()}\n${readme.slice(end)}`;
}
