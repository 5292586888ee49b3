/** Config sections for the p3 services: the MCP server and the memory API/maintainer. */
import { z } from "zod";
import { absolutePath, imageSource, limits, port, seconds } from "./fields";

export const mcpSection = z
  .strictObject({
    enabled: z.boolean().default(false).meta({ description: "The MCP server. On by default in phase p3 (an explicit false turns it off); off in p2, where it cannot be turned on.", defaultText: "p3: on, p2: off" }),
    source: imageSource
      .default({ build: { context: "../local-ai-suite/services/mcp-server", dockerfile: "Dockerfile", tag: "0.1.0" } })
      .meta({ description: "Its image: `image` (pinned) or `build` (context, dockerfile, tag, args).", defaultText: "build ../local-ai-suite/services/mcp-server" }),
    hostPort: port.default(8020).describe("Host port of the MCP API."),
    adminPort: port.default(8021).describe("The security admin API (reference port 8021)."),
    workspaceDir: absolutePath
      .optional()
      .describe("Host directory the MCP file and git tools work in (mounted at /mnt/workspace). Required when enabled: it replaces the reference's read-write mount of the host root."),
    workspaceWritable: z.boolean().default(false).describe("write_file and the git tools need a writable workspace; read-only otherwise."),
    modelSwitch: z
      .boolean()
      .default(false)
      .describe("The model-switch tool (and the server's Docker sandbox) drive Docker through /var/run/docker.sock, which is root on the host. Off unless you need it; the policy config must allowlist it."),
    dockerGroupId: z.int().min(0).optional().describe("Group owning /var/run/docker.sock on the host (`stat -c %g /var/run/docker.sock`); needed with modelSwitch."),
    securityMode: z.enum(["strict", "normal", "legacy"]).default("normal").describe("The settings module accepts strict, normal or legacy (the reference's \"development\" is not one of them)."),
    rbacEnabled: z.boolean().default(false),
    /**
     * The reference server calls the gateway without a key. Set this only for a build
     * that sends `Authorization: Bearer $API_GATEWAY_API_KEY` (the plan then passes the
     * master key in that env var and lets the gateway require it).
     */
    sendsGatewayKey: z.boolean().default(false),
    approvalWorkflow: z.boolean().default(false),
    maxSessions: z.int().min(1).max(1000).default(50),
    sessionTimeoutSec: seconds.default(3600),
    ...limits(2048, 2),
  })
  .superRefine((mcp, ctx) => {
    if (mcp.enabled && !mcp.workspaceDir) {
      ctx.addIssue({ code: "custom", path: ["workspaceDir"], message: "is required when mcp.enabled is true, as it is by default in phase p3 (the host directory the MCP tools may use; the host root is never mounted; or turn the MCP server off: mcp.enabled false)" });
    }
    if (mcp.modelSwitch && mcp.dockerGroupId === undefined) {
      ctx.addIssue({ code: "custom", path: ["dockerGroupId"], message: "is required when mcp.modelSwitch is true: the server runs as uid 1000 and needs the socket's group (stat -c %g /var/run/docker.sock)" });
    }
    if (mcp.adminPort === mcp.hostPort) {
      ctx.addIssue({ code: "custom", path: ["adminPort"], message: `must differ from mcp.hostPort (${mcp.hostPort})` });
    }
  })
  .prefault({})
  .describe("The reference's MCP server (p3).");

export const memorySection = z
  .strictObject({
    enabled: z.boolean().default(false).meta({ description: "The memory API and maintainer. On by default in phase p3 (an explicit false turns it off); off in p2, where it cannot be turned on.", defaultText: "p3: on, p2: off" }),
    apiSource: imageSource
      .default({ build: { context: "../local-ai-suite/services/api-gateway", dockerfile: "Dockerfile.memory", tag: "0.1.0" } })
      .meta({ description: "The memory API's image: `image` or `build`.", defaultText: "build ../local-ai-suite/services/api-gateway" }),
    maintainerSource: imageSource
      .default({ build: { context: "images/memory-maintainer", dockerfile: "Dockerfile", tag: "0.1.0" } })
      .meta({
        description: "Image for the maintainer: python plus pinned `schedule` and `requests`, built once (the reference pip-installed them, unpinned, on every start).",
        defaultText: "build images/memory-maintainer",
      }),
    scriptsDir: absolutePath.optional().describe("Host directory with the reference's scripts/ (memory_system.py, memory_maintainer.py), mounted read-only. Required when enabled."),
    hostPort: port.default(8005).describe("Host port of the memory API."),
    defaultProjectId: z.string().min(1).default("default-project"),
    syncIntervalSec: seconds.default(300),
    ttlCheckIntervalSec: seconds.default(3600),
    backupTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24h)").default("03:00").describe("Daily backup time (HH:MM, container time zone UTC)."),
    api: z.strictObject(limits(1024, 1)).prefault({}).meta({ description: "The API container's limits.", defaultText: "1024 MiB, 1 CPU" }),
    maintainer: z.strictObject(limits(512, 1)).prefault({}).meta({ description: "The maintainer container's limits.", defaultText: "512 MiB, 1 CPU" }),
  })
  .superRefine((memory, ctx) => {
    if (memory.enabled && !memory.scriptsDir) {
      ctx.addIssue({ code: "custom", path: ["scriptsDir"], message: "is required when memory.enabled is true, as it is by default in phase p3 (the reference's scripts/ directory with memory_system.py and memory_maintainer.py; or turn the memory services off: memory.enabled false)" });
    }
  })
  .prefault({})
  .describe("The reference's memory API and its maintainer (p3).");
