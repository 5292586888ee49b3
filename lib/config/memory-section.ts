/** Config section of the memory API and maintainer (phase p3). */
import { z } from "zod";
import { absolutePath, imageSource, limits, port, seconds } from "./fields";

export const memorySection = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description:
        "The memory API and maintainer. On by default in phase p3 (an explicit false turns it off); off in p2, where it cannot be turned on.",
      defaultText: "p3: on, p2: off",
    }),
    apiSource: imageSource
      .default({ build: { context: "../local-ai-suite/services/api-gateway", dockerfile: "Dockerfile.memory", tag: "0.1.0" } })
      .meta({ description: "The memory API's image: `image` or `build`.", defaultText: "build ../local-ai-suite/services/api-gateway" }),
    maintainerSource: imageSource.default({ build: { context: "images/memory-maintainer", dockerfile: "Dockerfile", tag: "0.1.0" } }).meta({
      description:
        "Image for the maintainer: python plus pinned `schedule` and `requests`, built once (the reference pip-installed them, unpinned, on every start).",
      defaultText: "build images/memory-maintainer",
    }),
    scriptsDir: absolutePath
      .optional()
      .describe(
        "Host directory with the reference's scripts/ (memory_system.py, memory_maintainer.py), mounted read-only. Required when enabled.",
      ),
    hostPort: port.default(8005).describe("Host port of the memory API."),
    defaultProjectId: z.string().min(1).default("default-project"),
    syncIntervalSec: seconds.default(300),
    ttlCheckIntervalSec: seconds.default(3600),
    backupTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24h)")
      .default("03:00")
      .describe("Daily backup time (HH:MM, container time zone UTC)."),
    api: z.strictObject(limits(1024, 1)).prefault({}).meta({ description: "The API container's limits.", defaultText: "1024 MiB, 1 CPU" }),
    maintainer: z
      .strictObject(limits(512, 1))
      .prefault({})
      .meta({ description: "The maintainer container's limits.", defaultText: "512 MiB, 1 CPU" }),
  })
  .superRefine((memory, ctx) => {
    if (memory.enabled && !memory.scriptsDir) {
      ctx.addIssue({
        code: "custom",
        path: ["scriptsDir"],
        message:
          "is required when memory.enabled is true, as it is by default in phase p3 (the reference's scripts/ directory with memory_system.py and memory_maintainer.py; or turn the memory services off: memory.enabled false)",
      });
    }
  })
  .prefault({})
  .describe("The reference's memory API and its maintainer (p3).");
