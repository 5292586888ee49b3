/**
 * Grafana dashboard JSON in the shape file provisioning loads: the dashboard
 * object itself at the top level (not wrapped in "dashboard", which the
 * reference did and Grafana rejected), a fixed uid, and modern panel types.
 */
import type { DatasourceRef } from "./provisioning";

/** Dashboard JSON schema version these panels are written for; Grafana migrates older ones on load. */
export const SCHEMA_VERSION = 39;

export type PanelType = "timeseries" | "stat" | "gauge" | "logs";

export interface Query {
  expr: string;
  legend?: string;
}

export interface Threshold {
  color: string;
  value: number | null;
}

export interface PanelDraft {
  type: PanelType;
  title: string;
  datasource: DatasourceRef;
  queries: Query[];
  unit?: string;
  min?: number;
  max?: number;
  /** Ascending steps; the first must have value null (the base colour). */
  thresholds?: Threshold[];
  /** Width in grid columns (of 24) and height in rows. */
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DatasourceRef;
  targets: { refId: string; datasource: DatasourceRef; expr: string; legendFormat?: string }[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: "browser";
  schemaVersion: number;
  version: number;
  editable: boolean;
  refresh: string;
  time: { from: string; to: string };
  panels: Panel[];
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function options(type: PanelType): Record<string, unknown> {
  switch (type) {
    case "timeseries":
      return { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } };
    case "stat":
      return {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        colorMode: "background",
        graphMode: "none",
        textMode: "auto",
      };
    case "gauge":
      return {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        showThresholdMarkers: true,
        showThresholdLabels: false,
      };
    case "logs":
      return { showTime: true, wrapLogMessage: true, sortOrder: "Descending", enableLogDetails: true };
  }
}

/** Lays panels out left to right, wrapping at 24 columns. */
export function layout(drafts: PanelDraft[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return drafts.map((draft, index) => {
    if (draft.w < 1 || draft.w > 24) throw new Error(`panel "${draft.title}" width ${draft.w} is outside 1..24`);
    if (draft.queries.length > REF_IDS.length) throw new Error(`panel "${draft.title}" has too many queries`);
    if (x + draft.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: draft.w, h: draft.h };
    x += draft.w;
    rowHeight = Math.max(rowHeight, draft.h);
    const defaults: Record<string, unknown> = {};
    if (draft.unit) defaults.unit = draft.unit;
    if (draft.min !== undefined) defaults.min = draft.min;
    if (draft.max !== undefined) defaults.max = draft.max;
    if (draft.thresholds) defaults.thresholds = { mode: "absolute", steps: draft.thresholds };
    return {
      id: index + 1,
      type: draft.type,
      title: draft.title,
      gridPos,
      datasource: draft.datasource,
      targets: draft.queries.map((q, i) => ({
        refId: REF_IDS[i],
        datasource: draft.datasource,
        expr: q.expr,
        ...(q.legend ? { legendFormat: q.legend } : {}),
      })),
      fieldConfig: { defaults, overrides: [] },
      options: options(draft.type),
    };
  });
}

export function dashboard(uid: string, title: string, tags: string[], drafts: PanelDraft[]): Dashboard {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(uid)) throw new Error(`dashboard uid "${uid}" must be 1-40 letters, digits, - or _`);
  return {
    uid,
    title,
    tags,
    timezone: "browser",
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: false,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    panels: layout(drafts),
  };
}
