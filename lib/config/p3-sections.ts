/** Config sections for the p3 services: the MCP server and the memory API/maintainer. */
import { z } from "zod";
import { absolutePath, imageSource, limits, port, seconds } from "./fields";

export const mcpSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    source: imageSource.default({ build: { context: "../local-ai-suite/services/mcp-server", dockerfile: "Dockerfile", tag: "0.1.0" } }),
    hostPort: port.default(8020),
    /** The security admin API (reference port 8021). */
    adminPort: port.default(8021),
    /**
     * Host directory the MCP file and git tools work in (mounted at /mnt/workspace).
     * Required when enabled: it replaces the reference's read-write mount of the host root.
     */
    workspaceDir: absolutePath.optional(),
    /** write_file and the git tools need a writable workspace; read-only otherwise. */
    workspaceWritable: z.boolean().default(false),
    /**
     * The model-switch tool (and the server's Docker sandbox) drive Docker through
     * /var/run/docker.sock, which is root on the host. Off unless you need it; the
     * policy config must allowlist it.
     */
    modelSwitch: z.boolean().default(false),
    /** Group owning /var/run/docker.sock on the host (`stat -c %g /var/run/docker.sock`); needed with modelSwitch. */
    dockerGroupId: z.int().min(0).optional(),
    /** The settings module accepts strict, normal or legacy (the reference's "development" is not one of them). */
    securityMode: z.enum(["strict", "normal", "legacy"]).default("normal"),
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
      ctx.addIssue({ code: "custom", path: ["workspaceDir"], message: "is required when mcp.enabled is true (the host directory the MCP tools may use; the host root is never mounted)" });
    }
    if (mcp.modelSwitch && mcp.dockerGroupId === undefined) {
      ctx.addIssue({ code: "custom", path: ["dockerGroupId"], message: "is required when mcp.modelSwitch is true: the server runs as uid 1000 and needs the socket's group (stat -c %g /var/run/docker.sock)" });
    }
    if (mcp.adminPort === mcp.hostPort) {
      ctx.addIssue({ code: "custom", path: ["adminPort"], message: `must differ from mcp.hostPort (${mcp.hostPort})` });
    }
  })
  .prefault({});

export const memorySection = z
  .strictObject({
    enabled: z.boolean().default(false),
    apiSource: imageSource.default({ build: { context: "../local-ai-suite/services/api-gateway", dockerfile: "Dockerfile.memory", tag: "0.1.0" } }),
    /**
     * Image for the maintainer: python plus pinned `schedule` and `requests`, built
     * once (the reference pip-installed them, unpinned, on every start).
     */
    maintainerSource: imageSource.default({ build: { context: "images/memory-maintainer", dockerfile: "Dockerfile", tag: "0.1.0" } }),
    /** Host directory with the reference's scripts/ (memory_system.py, memory_maintainer.py), mounted read-only. Required when enabled. */
    scriptsDir: absolutePath.optional(),
    hostPort: port.default(8005),
    defaultProjectId: z.string().min(1).default("default-project"),
    syncIntervalSec: seconds.default(300),
    ttlCheckIntervalSec: seconds.default(3600),
    /** Daily backup time (HH:MM, container time zone UTC). */
    backupTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24h)").default("03:00"),
    api: z.strictObject(limits(1024, 1)).prefault({}),
    maintainer: z.strictObject(limits(512, 1)).prefault({}),
  })
  .superRefine((memory, ctx) => {
    if (memory.enabled && !memory.scriptsDir) {
      ctx.addIssue({ code: "custom", path: ["scriptsDir"], message: "is required when memory.enabled is true (the reference's scripts/ directory with memory_system.py and memory_maintainer.py)" });
    }
  })
  .prefault({});
