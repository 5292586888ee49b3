/** Config section for the monitoring stack (Prometheus, Alertmanager, Grafana, Loki, Alloy, exporters). */
import { z } from "zod";

export const monitoringSection = z
  .strictObject({
    enabled: z.boolean().default(false),
  })
  .prefault({});
