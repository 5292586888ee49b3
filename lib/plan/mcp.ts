/**
 * The MCP server: tools (files, git, code execution, RAG, chat) over HTTP on
 * 8020 and its security admin API on 8021. It gets the workspace, its security
 * database directory and the models (read-only), never the host root, and the
 * Docker socket only when the stack turns model switching on.
 */
import { defineService, imageFromSource, serviceUrl, type PlanContext } from "./define-service";
import { GATEWAY_PORT, GATEWAY_SERVICE } from "./gateway";
import { EMBEDDING_PORT, EMBEDDING_SERVICE, RAG_PORT, RAG_SERVICE, sqliteDataPath } from "./rag";
import type { BindSpec, HealthcheckSpec, ServiceSpec } from "./service-spec";

export const MCP_SERVICE = "mcp-server";
export const MCP_PORT = 8020;
export const MCP_ADMIN_PORT = 8021;
export const MCP_WORKSPACE = "/mnt/workspace";
export const MCP_DATA_DIR = "/mnt/data";
export const DOCKER_SOCKET = "/var/run/docker.sock";
/** Where an MCP server build that sends the gateway key reads it (mcp.sendsGatewayKey). */
export const MCP_GATEWAY_KEY_ENV = "API_GATEWAY_API_KEY";
/** The env var through which the server finds its security database (the backup reads it too). */
export const SECURITY_DB_ENV = "SECURITY_DB_PATH";

/**
 * Healthy only when both servers answer: 8020's /health is static, 8021's
 * /security/health checks the security validator and sandbox (503 otherwise).
 */
function mcpProbe(): HealthcheckSpec {
  const urls = [`http://127.0.0.1:${MCP_PORT}/health`, `http://127.0.0.1:${MCP_ADMIN_PORT}/security/health`];
  const code = `import urllib.request; [urllib.request.urlopen(u, timeout=4) for u in ${JSON.stringify(urls).replace(/"/g, "'")}]`;
  return { test: ["CMD", "python", "-c", code], intervalSec: 30, timeoutSec: 10, retries: 3, startPeriodSec: 180, startIntervalSec: 2 };
}

export function planMcpServer(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const mcp = config.mcp;
  if (!mcp.workspaceDir) throw new Error("mcp.workspaceDir is required when mcp.enabled (checked by the config schema)");
  const binds: BindSpec[] = [
    { hostPath: mcp.workspaceDir, containerPath: MCP_WORKSPACE, readOnly: !mcp.workspaceWritable },
    { hostPath: sqliteDataPath(config.paths.dataDir), containerPath: `${MCP_DATA_DIR}/sqlite`, readOnly: false },
    { hostPath: config.paths.modelsDir, containerPath: "/mnt/models", readOnly: true },
  ];
  if (mcp.modelSwitch) binds.push({ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: false });

  return defineService(ctx, {
    service: MCP_SERVICE,
    group: "mcp",
    image: imageFromSource(ctx, MCP_SERVICE, mcp.source, "mcp.source"),
    // The security database (RBAC, approvals, audit log).
    holdsData: true,
    env: {
      API_GATEWAY_URL: serviceUrl(GATEWAY_SERVICE, GATEWAY_PORT),
      RAG_URL: serviceUrl(RAG_SERVICE, RAG_PORT),
      EMBEDDING_URL: serviceUrl(EMBEDDING_SERVICE, EMBEDDING_PORT),
      API_GATEWAY_CHAT_MODEL: config.gateway.chatModel,
      API_GATEWAY_CODE_MODEL: config.gateway.codeModel,
      PROJECT_ROOT: MCP_WORKSPACE,
      WORKSPACE_DIR: MCP_WORKSPACE,
      // The workspace is the repository itself (the reference mounted a hard-coded .git elsewhere).
      GIT_DIR_PATH: `${MCP_WORKSPACE}/.git`,
      DATA_DIR: MCP_DATA_DIR,
      [SECURITY_DB_ENV]: `${MCP_DATA_DIR}/sqlite/security.db`,
      SECURITY_MODE: mcp.securityMode,
      MCP_SECURITY_LEVEL: mcp.securityMode,
      RBAC_ENABLED: String(mcp.rbacEnabled),
      APPROVAL_WORKFLOW_ENABLED: String(mcp.approvalWorkflow),
      SECURITY_QUEUE_SIZE: "1000",
      SECURITY_LOG_LEVEL: "INFO",
      SANDBOX_ENABLED: "true",
      // The "enhanced" sandbox runs `docker run` through the socket; without it the server uses its subprocess sandbox.
      USE_ENHANCED_SANDBOX: String(mcp.modelSwitch),
      SANDBOX_MAX_MEMORY_MB: "512",
      SANDBOX_MAX_CPU_TIME: "30",
      SANDBOX_MAX_OUTPUT_SIZE: "1048576",
      SANDBOX_MAX_FILE_SIZE: "10485760",
      SANDBOX_MAX_PROCESSES: "10",
      SANDBOX_NETWORK_ACCESS: "false",
      RATE_LIMIT_ENABLED: "true",
      // The names the code reads (the reference set SANDBOX_SESSION_TIMEOUT / SANDBOX_MAX_SESSIONS, which nothing reads).
      MCP_SESSION_TIMEOUT: String(mcp.sessionTimeoutSec),
      MCP_MAX_SESSIONS: String(mcp.maxSessions),
      MCP_SERVER_PORT: String(MCP_PORT),
      MCP_SECURITY_PORT: String(MCP_ADMIN_PORT),
    },
    // The reference server sends no key; a build that does gets the master key (caller-keys.ts checks the rest).
    secretEnv: mcp.sendsGatewayKey && config.gateway.requireKey ? { [MCP_GATEWAY_KEY_ENV]: "gatewayMasterKey" } : {},
    sendsKeys: mcp.sendsGatewayKey ? ["gatewayMasterKey"] : [],
    ports: [
      { internal: MCP_PORT, external: mcp.hostPort, configKey: "mcp.hostPort" },
      { internal: MCP_ADMIN_PORT, external: mcp.adminPort, configKey: "mcp.adminPort" },
    ],
    binds,
    healthcheck: mcpProbe(),
    metrics: { port: MCP_PORT, path: "/metrics" },
    dependsOn: [GATEWAY_SERVICE, RAG_SERVICE, EMBEDDING_SERVICE],
    limits: { memoryMiB: mcp.memoryMiB, cpus: mcp.cpus },
    // As in the reference: uid 1000, no capabilities (the reference's CHOWN/SETUID/SETGID
    // never take effect for a non-root process).
    user: "1000:1000",
    groupAdd: mcp.modelSwitch && mcp.dockerGroupId !== undefined ? [String(mcp.dockerGroupId)] : undefined,
    capabilities: { drop: ["ALL"], add: [] },
  });
}
