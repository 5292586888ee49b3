/** Config sections for the p3 services: the MCP server and the memory API/maintainer. */
import { z } from "zod";
import { absolutePath, imageSource, limits, pinnedImage, port, seconds } from "./fields";

export const mcpSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    source: imageSource.default({ build: { context: "../local-ai-suite/services/mcp-server", dockerfile: "Dockerfile", tag: "0.1.0" } }),
    hostPort: port.default(8020),
    /** The security admin API (reference port 8021). */
    adminPort: port.default(8021),
    /** Host directory the MCP tools may read and write (mounted at /mnt/workspace). */
    workspaceDir: absolutePath.optional(),
    /**
     * The model-switch tool drives Docker through /var/run/docker.sock, which is
     * root on the host. Off unless you need it; the policy config must allowlist it.
     */
    modelSwitch: z.boolean().default(false),
    ...limits(2048, 2),
  })
  .prefault({});

export const memorySection = z
  .strictObject({
    enabled: z.boolean().default(false),
    apiSource: imageSource.default({ build: { context: "../local-ai-suite/services/api-gateway", dockerfile: "Dockerfile.memory", tag: "0.1.0" } }),
    /** Image for the maintainer; it runs the reference's scripts/memory_maintainer.py. */
    maintainerImage: pinnedImage.default("python:3.11.14-slim-bookworm"),
    /** Host directory with the reference's scripts/ (memory_system.py, memory_maintainer.py), mounted read-only. */
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
  .prefault({});
