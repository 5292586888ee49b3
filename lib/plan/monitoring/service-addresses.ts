/** Service names and in-network ports of the monitoring stack (configs and targets refer to them). */
import { SERVICE_LABEL } from "../define-service";

export const PROMETHEUS = { service: "prometheus", port: 9090 } as const;
export const ALERTMANAGER = { service: "alertmanager", port: 9093 } as const;
export const GRAFANA = { service: "grafana", port: 3000 } as const;
export const LOKI = { service: "loki", port: 3100 } as const;
export const ALLOY = { service: "alloy", port: 12345 } as const;
export const NODE_EXPORTER = { service: "node-exporter", port: 9100 } as const;
export const CADVISOR = { service: "cadvisor", port: 8080 } as const;
export const DCGM_EXPORTER = { service: "dcgm-exporter", port: 9400 } as const;

export { SERVICE_LABEL };
/** How cAdvisor names that label on its metrics (non [a-zA-Z0-9_] characters become "_"). */
export const CADVISOR_SERVICE_LABEL = `container_label_${SERVICE_LABEL.replace(/[^A-Za-z0-9_]/g, "_")}`;

/** Named volumes (retained on delete) holding each store's data. */
export const VOLUMES = {
  prometheus: "prometheus-data",
  alertmanager: "alertmanager-data",
  grafana: "grafana-data",
  loki: "loki-data",
  alloy: "alloy-data",
} as const;
