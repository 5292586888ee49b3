/** The suite's components, one per group of services. Their bodies live in ServiceGroup. */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceGroup as GroupName } from "../lib/plan/service-spec";
import { ServiceGroup, type ServiceGroupArgs } from "./service-group";

export type GroupComponent = new (name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) => ServiceGroup;

function component(type: string): GroupComponent {
  return class extends ServiceGroup {
    constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
      super(type, name, args, opts);
    }
  };
}

/** inference-chat and inference-code: two llama.cpp servers sharing the stack's GPU plan. */
export const InferencePair = component("local-ai-suite:inference:InferencePair");
/** api-gateway: LiteLLM failing over between the inference servers. */
export const Gateway = component("local-ai-suite:gateway:Gateway");
/** qdrant: the vector store, with its data on host paths. */
export const VectorStore = component("local-ai-suite:storage:VectorStore");
/** embedding and rag. */
export const Rag = component("local-ai-suite:rag:Rag");
/** mcp-server (p3). */
export const McpServer = component("local-ai-suite:mcp:McpServer");
/** memory-api and memory-maintainer (p3). */
export const Memory = component("local-ai-suite:memory:Memory");
/** Prometheus, Alertmanager, Grafana, Loki, Alloy and the exporters. */
export const Monitoring = component("local-ai-suite:monitoring:Monitoring");

/** healer: restarts the stack's unhealthy containers. */
export const Healer = component("local-ai-suite:healer:Healer");

/** Which component holds each group, and the child name it gets under the stack. */
export const GROUP_COMPONENTS: Record<GroupName, { component: GroupComponent; part: string }> = {
  inference: { component: InferencePair, part: "llm" },
  gateway: { component: Gateway, part: "gateway" },
  "vector-store": { component: VectorStore, part: "vectors" },
  rag: { component: Rag, part: "rag" },
  mcp: { component: McpServer, part: "mcp" },
  memory: { component: Memory, part: "memory" },
  monitoring: { component: Monitoring, part: "monitoring" },
  healer: { component: Healer, part: "healer" },
};
