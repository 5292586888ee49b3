/** What a pre-change backup reads from `docker inspect` of the running (old) container. */
import { describe, expect, it } from "vitest";
import { containerBackup, type ContainerInspect } from "../../lib/ops/backup/container-source";

const qdrantInspect = (ports: NonNullable<ContainerInspect["NetworkSettings"]>["Ports"]): ContainerInspect => ({
  Name: "/p2-qdrant",
  State: { Running: true },
  Config: {
    Env: ["QDRANT__SERVICE__API_KEY=old-key=with-equals", "PATH=/usr/bin"],
    Labels: { "local-ai-suite.stack": "p2", "local-ai-suite.service": "qdrant", "local-ai-suite.phase": "p2" },
  },
  Mounts: [{ Type: "bind", Source: "/srv/old-data/qdrant", Destination: "/qdrant/storage", RW: true }],
  NetworkSettings: { Ports: ports, Networks: { "p2-net": { IPAddress: "172.18.0.5" } } },
});

describe("containerBackup", () => {
  it("reaches the old Qdrant where it is published, with the key it runs with", () => {
    const found = containerBackup(qdrantInspect({ "6333/tcp": [{ HostIp: "127.0.0.1", HostPort: "16333" }] }), "p2");
    expect(found).toEqual({
      service: "qdrant",
      running: true,
      qdrant: { url: "http://127.0.0.1:16333", apiKey: "old-key=with-equals" },
      source: {
        stack: "p2",
        phase: "p2",
        services: [{ service: "qdrant", env: { QDRANT__SERVICE__API_KEY: "old-key=with-equals", PATH: "/usr/bin" }, binds: [{ hostPath: "/srv/old-data/qdrant", containerPath: "/qdrant/storage", readOnly: false }] }],
      },
    });
    expect(containerBackup(qdrantInspect({ "6333/tcp": [{ HostIp: "0.0.0.0", HostPort: "6333" }] }), "p2").qdrant?.url).toBe("http://127.0.0.1:6333");
  });

  it("falls back to the container's network address when the port is not published", () => {
    expect(containerBackup(qdrantInspect({ "6333/tcp": null }), "p2").qdrant?.url).toBe("http://172.18.0.5:6333");
  });

  it("finds a database owner's files through the old container's binds, and gives it no Qdrant", () => {
    const found = containerBackup(
      {
        Name: "/memory-api",
        State: { Running: false, Status: "exited" },
        Config: { Env: ["AI_MEMORY_DIR=/app/memory"], Labels: { "local-ai-suite.stack": "p3", "local-ai-suite.service": "memory-api" } },
        Mounts: [
          { Type: "bind", Source: "/srv/data/memory", Destination: "/app/memory", RW: true },
          { Type: "volume", Source: "/var/lib/docker/volumes/x/_data", Destination: "/cache", RW: true },
        ],
      },
      "p3",
    );
    expect(found.qdrant).toBeUndefined();
    expect(found.running).toBe(false);
    expect(found.source.services[0]!.binds).toEqual([{ hostPath: "/srv/data/memory", containerPath: "/app/memory", readOnly: false }]);
    expect(found.source.phase).toBe("unknown");
  });

  it("refuses a container of another stack", () => {
    expect(() => containerBackup(qdrantInspect({}), "p3")).toThrow("p2-qdrant is not a service of stack p3 (its labels say stack p2, service qdrant); nothing backed up");
  });
});
