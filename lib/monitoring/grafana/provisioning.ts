/**
 * Grafana file provisioning: the datasources (with fixed uids the dashboards
 * refer to) and the dashboard provider that loads the generated JSON files.
 */
import { stringify } from "yaml";

export interface DatasourceRef {
  type: "prometheus" | "loki";
  uid: string;
}

export const PROMETHEUS_DATASOURCE: DatasourceRef = { type: "prometheus", uid: "prometheus" };
export const LOKI_DATASOURCE: DatasourceRef = { type: "loki", uid: "loki" };

export interface ProvisioningSettings {
  prometheusUrl: string;
  lokiUrl: string;
  scrapeIntervalSec: number;
  /** Directory in the container that holds the dashboard JSON files. */
  dashboardsDir: string;
}

export function buildDatasources(settings: ProvisioningSettings) {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        ...PROMETHEUS_DATASOURCE,
        access: "proxy",
        url: settings.prometheusUrl,
        isDefault: true,
        // Provisioned from code; a UI edit would be overwritten on the next restart anyway.
        editable: false,
        jsonData: { timeInterval: `${settings.scrapeIntervalSec}s`, httpMethod: "POST" },
      },
      {
        name: "Loki",
        ...LOKI_DATASOURCE,
        access: "proxy",
        url: settings.lokiUrl,
        isDefault: false,
        editable: false,
        jsonData: { maxLines: 1000 },
      },
    ],
  };
}

export function buildDashboardProvider(settings: ProvisioningSettings) {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "local-ai-suite",
        orgId: 1,
        folder: "AI Suite",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: settings.dashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  };
}

export function renderDatasources(settings: ProvisioningSettings): string {
  return stringify(buildDatasources(settings), { lineWidth: 0 });
}

export function renderDashboardProvider(settings: ProvisioningSettings): string {
  return stringify(buildDashboardProvider(settings), { lineWidth: 0 });
}
