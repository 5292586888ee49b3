/**
 * The log shipper's pipeline (Grafana Alloy, replacing the end-of-life
 * Promtail): tail Docker's json-file logs read-only, name the service from the
 * `local-ai-suite.service` attribute Docker writes into each line, push to Loki.
 * No Docker socket, and only low-cardinality labels (service, stream, job).
 */
import { renderAlloy, type AlloyBlock } from "./alloy-syntax";

export interface AlloySettings {
  /** Docker's containers directory as mounted in the Alloy container. */
  containersDir: string;
  /** The log attribute holding the service name (a container label Docker copies into each line). */
  serviceAttr: string;
  lokiPushUrl: string;
}

export function buildAlloyConfig(settings: AlloySettings): AlloyBlock[] {
  return [
    {
      name: "local.file_match",
      label: "docker",
      attrs: { path_targets: [{ __path__: `${settings.containersDir}/*/*-json.log`, job: "docker" }] },
    },
    {
      name: "loki.source.file",
      label: "docker",
      attrs: { targets: { ref: "local.file_match.docker.targets" }, forward_to: [{ ref: "loki.process.docker.receiver" }] },
    },
    {
      name: "loki.process",
      label: "docker",
      attrs: { forward_to: [{ ref: "loki.write.loki.receiver" }] },
      blocks: [
        // JMESPath: quote the attribute because its name contains dots and dashes.
        {
          name: "stage.json",
          attrs: { expressions: { output: "log", stream: "stream", time: "time", service: `attrs."${settings.serviceAttr}"` } },
        },
        { name: "stage.labels", attrs: { values: { service: "", stream: "" } } },
        { name: "stage.timestamp", attrs: { source: "time", format: "RFC3339Nano" } },
        { name: "stage.output", attrs: { source: "output" } },
        // One file per container id: a label per file would only add cardinality.
        { name: "stage.label_drop", attrs: { values: ["filename"] } },
      ],
    },
    {
      name: "loki.write",
      label: "loki",
      blocks: [{ name: "endpoint", attrs: { url: settings.lokiPushUrl } }],
    },
  ];
}

export function renderAlloyConfig(settings: AlloySettings): string {
  return renderAlloy(buildAlloyConfig(settings));
}
