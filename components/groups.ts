/**
 * The suite's components, one per group of services (ServiceSpec.group). Each
 * type token's module is its group's name. The bodies live in ServiceGroup.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GroupName } from "../lib/plan/service-spec";
import { ServiceGroup, type ServiceGroupArgs } from "./service-group";

/** inference-chat and inference-code: two llama.cpp servers sharing the stack's GPU plan. */
export class InferencePair extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:inference:InferencePair", name, args, opts);
  }
}

/** api-gateway: LiteLLM failing over between the inference servers. */
export class Gateway extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:gateway:Gateway", name, args, opts);
  }
}

/** qdrant: the vector store, with its data on host paths. */
export class VectorStore extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    // Its module was "storage" until the group names became the modules; the alias keeps
    // stacks deployed before then from replacing Qdrant (and every container under it).
    super("local-ai-suite:vector-store:VectorStore", name, args, withAliases(opts, [{ type: "local-ai-suite:storage:VectorStore" }]));
  }
}

/** embedding-server, embedding and rag. */
export class Rag extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:rag:Rag", name, args, opts);
  }
}

/** mcp-server (p3). */
export class McpServer extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:mcp:McpServer", name, args, opts);
  }
}

/** memory-api and memory-maintainer (p3). */
export class Memory extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:memory:Memory", name, args, opts);
  }
}

/** Prometheus, Alertmanager, Grafana, Loki, Alloy and the exporters. */
export class Monitoring extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:monitoring:Monitoring", name, args, opts);
  }
}

/** healer: restarts the stack's unhealthy containers. */
export class Healer extends ServiceGroup {
  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("local-ai-suite:healer:Healer", name, args, opts);
  }
}

type GroupComponent = new (name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) => ServiceGroup;

/** Which component holds each group, and the child name it gets under the stack (`<stack component>-<part>`). */
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

/** A component's own former identities next to the caller's aliases (children inherit them). */
function withAliases(opts: pulumi.ComponentResourceOptions | undefined, aliases: pulumi.Alias[]): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), ...aliases] };
}
