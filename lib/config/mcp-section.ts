/** Config section of the MCP server (phase p3). */
import { z } from "zod";
import { absolutePath, imageSource, limits, port, seconds } from "./fields";

export const mcpSection = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description: "The MCP server. On by default in phase p3 (an explicit false turns it off); off in p2, where it cannot be turned on.",
      defaultText: "p3: on, p2: off",
    }),
    source: imageSource
      .default({ build: { context: "../local-ai-suite/services/mcp-server", dockerfile: "Dockerfile", tag: "0.1.0" } })
      .meta({
        description: "Its image: `image` (pinned) or `build` (context, dockerfile, tag, args).",
        defaultText: "build ../local-ai-suite/services/mcp-server",
      }),
    hostPort: port.default(8020).describe("Host port of the MCP API."),
    adminPort: port.default(8021).describe("The security admin API (reference port 8021)."),
    workspaceDir: absolutePath
      .optional()
      .describe(
        "Host directory the MCP file and git tools work in (mounted at /mnt/workspace). Required when enabled: it replaces the reference's read-write mount of the host root.",
      ),
    workspaceWritable: z.boolean().default(false).describe("write_file and the git tools need a writable workspace; read-only otherwise."),
    modelSwitch: z
      .boolean()
      .default(false)
      .describe(
        "The model-switch tool (and the server's Docker sandbox) drive Docker through /var/run/docker.sock, which is root on the host. Off unless you need it; the policy config must allowlist it.",
      ),
    dockerGroupId: z
      .int()
      .min(0)
      .optional()
      .describe("Group owning /var/run/docker.sock on the host (`stat -c %g /var/run/docker.sock`); needed with modelSwitch."),
    securityMode: z
      .enum(["strict", "normal", "legacy"])
      .default("normal")
      .describe('The settings module accepts strict, normal or legacy (the reference\'s "development" is not one of them).'),
    rbacEnabled: z
      .boolean()
      .default(true)
      .describe(
        "Role-based access to the tools (RBAC_ENABLED), on as the reference's readiness plan asks for production: MCP runs code. " +
          "Roles live in the security database; seed the reference's defaults once after the first `up`: " +
          "`docker exec <containerPrefix>mcp-server python /app/scripts/seed_security_data.py`. " +
          "The caller's identity is its X-User-ID header (`default` without one), a claim and not a credential.",
      ),
    /**
     * The reference server calls the gateway without a key. Set this only for a build
     * that sends `Authorization: Bearer $API_GATEWAY_API_KEY` (the plan then passes the
     * master key in that env var and lets the gateway require it).
     */
    sendsGatewayKey: z.boolean().default(false),
    approvalWorkflow: z
      .boolean()
      .default(true)
      .describe(
        "High and critical tools (execute_python, execute_bash, write_file, git commit) wait for an operator's approval " +
          "(APPROVAL_WORKFLOW_ENABLED; list them at /api/approvals/pending, approve at /api/approvals/{id}/approve). On, as the reference's code default and readiness plan have it.",
      ),
    maxSessions: z.int().min(1).max(1000).default(50),
    sessionTimeoutSec: seconds.default(3600),
    ...limits(2048, 2),
  })
  .superRefine((mcp, ctx) => {
    if (mcp.enabled && !mcp.workspaceDir) {
      ctx.addIssue({
        code: "custom",
        path: ["workspaceDir"],
        message:
          "is required when mcp.enabled is true, as it is by default in phase p3 (the host directory the MCP tools may use; the host root is never mounted; or turn the MCP server off: mcp.enabled false)",
      });
    }
    if (mcp.modelSwitch && mcp.dockerGroupId === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["dockerGroupId"],
        message:
          "is required when mcp.modelSwitch is true: the server runs as uid 1000 and needs the socket's group (stat -c %g /var/run/docker.sock)",
      });
    }
    if (mcp.adminPort === mcp.hostPort) {
      ctx.addIssue({ code: "custom", path: ["adminPort"], message: `must differ from mcp.hostPort (${mcp.hostPort})` });
    }
  })
  .prefault({})
  .describe("The reference's MCP server (p3).");
