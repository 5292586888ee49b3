/** The whole p3 graph, captured under Pulumi mocks from Pulumi.p3.yaml. */
import { beforeAll, describe, expect, it } from "vitest";
import { parseGoDuration } from "../lib/durations";
import { type CapturedStack, containerNamed, containers, runStackFile, dependencyNames } from "./support/pulumi-harness";
import { P2_SERVICES } from "./support/p2-services";

const P3_SERVICES = ["mcp-server", "memory-api", "memory-maintainer"];
const MONITORING = ["prometheus", "alertmanager", "grafana", "loki", "alloy", "node-exporter", "cadvisor", "dcgm-exporter"];
const ALL = [...P2_SERVICES, ...P3_SERVICES, ...MONITORING];
const DATA_DIR = "/mnt/e/ai-data";

let p3: CapturedStack;
/** p3 with a Qdrant key; the reference memory services cannot send one, so they are off. */
let p3WithQdrantKey: CapturedStack;
beforeAll(async () => {
  p3 = await runStackFile("p3");
  p3WithQdrantKey = await runStackFile("p3", { memory: { enabled: false } }, { qdrantApiKey: "qdrant-test-key" });
});

type Bind = { hostPath: string; containerPath: string; readOnly: boolean };
const binds = (captured: CapturedStack, name: string) => (containerNamed(captured, name).inputs.volumes ?? []) as Bind[];

describe("p3 stack under mocks", () => {
  it("has p2's services, the MCP and memory services and the monitoring stack, nothing else", () => {
    expect(
      containers(p3)
        .map((c) => c.inputs.name)
        .sort(),
    ).toEqual([...ALL].sort());
  });

  it.each(ALL)("%s is healthchecked, waited for, and not privileged", (name) => {
    const c = containerNamed(p3, name);
    const h = c.inputs.healthcheck;
    expect(["CMD", "CMD-SHELL"]).toContain(h.tests[0]);
    expect(h.tests.length).toBeGreaterThan(1);
    expect(c.inputs.wait).toBe(true);
    expect(c.inputs.waitTimeout * 1000).toBeGreaterThanOrEqual(parseGoDuration(h.startPeriod)! + h.retries * parseGoDuration(h.interval)!);
    expect(c.inputs.privileged).toBeFalsy();
    expect(c.inputs.securityOpts).toContain("no-new-privileges:true");
    expect(c.inputs.devices).toBeUndefined(); // no /dev/kmsg for cAdvisor or anyone
  });

  it("gates the p3 services on health as the issue lists", () => {
    expect(dependencyNames(p3, "mcp-server")).toEqual(["api-gateway", "embedding", "rag"]);
    expect(dependencyNames(p3, "memory-api")).toEqual(["embedding", "qdrant"]);
    expect(dependencyNames(p3, "memory-maintainer")).toEqual(["embedding", "qdrant"]);
    expect(dependencyNames(p3, "grafana")).toEqual(["loki", "prometheus"]);
    expect(dependencyNames(p3, "prometheus")).toEqual(["alertmanager"]);
    expect(dependencyNames(p3, "alloy")).toEqual(["loki"]);
    // Every dependency waits for its own healthcheck, so dependsOn means "after it is healthy".
    for (const c of containers(p3))
      for (const dep of dependencyNames(p3, c.inputs.name)) expect(containerNamed(p3, dep).inputs.wait).toBe(true);
  });

  it("publishes ports on loopback only, at the reference's port numbers, and no exporter port", () => {
    type Port = { ip: string; external: number };
    const published: Record<string, Port[]> = Object.fromEntries(
      containers(p3).map((c) => [c.inputs.name, (c.inputs.ports ?? []) as Port[]]),
    );
    for (const ports of Object.values(published)) for (const p of ports) expect(p.ip).toBe("127.0.0.1");
    const externals = (name: string) => published[name].map((p) => p.external).sort();
    expect(externals("mcp-server")).toEqual([8020, 8021]);
    expect(externals("memory-api")).toEqual([8005]);
    expect(externals("prometheus")).toEqual([9090]);
    expect(externals("alertmanager")).toEqual([9093]);
    expect(externals("grafana")).toEqual([3001]);
    expect(externals("loki")).toEqual([3100]);
    for (const name of ["memory-maintainer", "alloy", "node-exporter", "cadvisor", "dcgm-exporter"]) expect(externals(name)).toEqual([]);
  });

  it("keeps the memory databases and the security DB on host paths under dataDir", () => {
    expect(binds(p3, "memory-api")).toContainEqual({ hostPath: `${DATA_DIR}/memory`, containerPath: "/app/memory", readOnly: false });
    expect(binds(p3, "memory-maintainer")).toContainEqual({
      hostPath: `${DATA_DIR}/memory`,
      containerPath: "/app/memory",
      readOnly: false,
    });
    expect(binds(p3, "mcp-server")).toContainEqual({ hostPath: `${DATA_DIR}/sqlite`, containerPath: "/mnt/data/sqlite", readOnly: false });
    expect(containerNamed(p3, "mcp-server").inputs.envs).toContain("SECURITY_DB_PATH=/mnt/data/sqlite/security.db");
  });

  it("runs MCP with its RBAC and approval workflow on (it runs code); a stack can still turn them off", async () => {
    const envs = containerNamed(p3, "mcp-server").inputs.envs as string[];
    expect(envs).toEqual(expect.arrayContaining(["RBAC_ENABLED=true", "APPROVAL_WORKFLOW_ENABLED=true"]));
    const off = await runStackFile("p3", { mcp: { workspaceDir: "/mnt/e/local-ai-suite", rbacEnabled: false, approvalWorkflow: false } });
    expect(containerNamed(off, "mcp-server").inputs.envs).toEqual(
      expect.arrayContaining(["RBAC_ENABLED=false", "APPROVAL_WORKFLOW_ENABLED=false"]),
    );
  });

  it("keeps monitoring data on named volumes that a destroy or rename leaves in place", () => {
    const volumes = p3.resources.filter((r) => r.type === "docker:index/volume:Volume");
    expect(volumes.map((v) => v.inputs.name).sort()).toEqual([
      "alertmanager-data",
      "alloy-data",
      "grafana-data",
      "loki-data",
      "prometheus-data",
    ]);
    for (const v of volumes) expect(v.options.retainOnDelete).toBe(true);
    const mounts = (name: string) => containerNamed(p3, name).inputs.mounts as { type: string; source: string; target: string }[];
    expect(mounts("prometheus")).toEqual([{ type: "volume", source: "prometheus-data", target: "/prometheus", readOnly: false }]);
    expect(mounts("grafana")).toEqual([{ type: "volume", source: "grafana-data", target: "/var/lib/grafana", readOnly: false }]);
  });

  it("mounts no host root and no Docker socket into the MCP or memory services", () => {
    for (const name of P3_SERVICES) {
      for (const b of binds(p3, name)) {
        expect(b.hostPath, name).not.toBe("/");
        expect(b.hostPath, name).not.toBe("/var/run/docker.sock");
      }
    }
    expect(binds(p3, "memory-api").find((b) => b.containerPath === "/app/scripts")!.readOnly).toBe(true);
    expect(containerNamed(p3, "mcp-server").inputs.user).toBe("1000:1000");
    expect(containerNamed(p3, "mcp-server").inputs.capabilities).toEqual({ drops: ["ALL"], adds: [] });
    expect(containerNamed(p3, "mcp-server").inputs.groupAdds).toBeUndefined();
  });

  it("mounts every monitoring host path read-only", () => {
    for (const name of MONITORING) for (const b of binds(p3, name)) expect(b.readOnly, `${name} ${b.hostPath}`).toBe(true);
    expect(
      binds(p3, "node-exporter")
        .map((b) => b.hostPath)
        .sort(),
    ).toEqual(["/", "/proc", "/sys"]);
    expect(
      binds(p3, "cadvisor")
        .map((b) => b.hostPath)
        .sort(),
    ).toEqual(["/", "/dev/disk", "/sys", "/var/lib/docker"]);
  });

  it("gives the DCGM exporter the GPU with a zero VRAM claim, and no other monitoring container a GPU", () => {
    expect(containerNamed(p3, "dcgm-exporter").inputs.deviceRequests).toEqual([
      { driver: "nvidia", deviceIds: ["0"], capabilities: ["gpu"] },
    ]);
    for (const name of [...P3_SERVICES, ...MONITORING.filter((m) => m !== "dcgm-exporter")])
      expect(containerNamed(p3, name).inputs.deviceRequests, name).toBeUndefined();
  });

  it("generates Grafana's admin password as a secret when the stack sets none, and ships it as a file", () => {
    const grafana = containerNamed(p3, "grafana");
    const uploads = grafana.inputs.uploads as { file: string; content: string }[];
    const index = uploads.findIndex((u) => u.file === "/run/secrets/grafana-admin-password");
    expect(uploads[index]!.content).toMatch(/^generated/);
    expect(grafana.inputs.envs).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password");
    expect((grafana.inputs.envs as string[]).some((e) => e.startsWith("GF_SECURITY_ADMIN_PASSWORD="))).toBe(false);
    // The file's content is secret, and state encrypts every upload.
    expect(grafana.secretPaths).toContain(`uploads[${index}].content`);
    expect(grafana.options.additionalSecretOutputs).toContain("uploads");
    const passwords = p3.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
    expect(passwords.some((n) => n.includes("grafanaAdminPassword"))).toBe(true);
  });

  it("uses the stack's Grafana password when set", async () => {
    const withPassword = await runStackFile("p3", {}, { grafanaAdminPassword: "from-config-123" });
    const uploads = containerNamed(withPassword, "grafana").inputs.uploads as { file: string; content: string }[];
    expect(uploads.find((u) => u.file === "/run/secrets/grafana-admin-password")!.content).toBe("from-config-123");
    const passwords = withPassword.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
    expect(passwords.some((n) => n.includes("grafanaAdminPassword"))).toBe(false);
  });

  it("ships Qdrant's read-only key to Prometheus as a secret file, kept secret in state (never the key that writes)", () => {
    const prometheus = containerNamed(p3WithQdrantKey, "prometheus");
    const uploads = prometheus.inputs.uploads as { file: string; content: string }[];
    expect(uploads.find((u) => u.file === "/etc/prometheus/secrets/qdrantReadOnlyKey")!.content).toMatch(/^generated/);
    expect(uploads.map((u) => u.file)).not.toContain("/etc/prometheus/secrets/qdrantApiKey");
    expect(prometheus.secretPaths.some((p) => p.startsWith("uploads"))).toBe(true);
    expect(prometheus.options.additionalSecretOutputs).toContain("uploads");
    for (const u of uploads.filter((u) => !u.file.includes("/secrets/"))) expect(u.content).not.toContain("qdrant-test-key");
  });

  it("tags every container's log lines with its service name for the log shipper", () => {
    for (const c of containers(p3)) expect(c.inputs.logOpts.labels).toBe("local-ai-suite.service");
  });
});

describe("p3 with model switching on", () => {
  it("mounts the Docker socket into the MCP server only, with the socket's group, and documents why in the config", async () => {
    const mcp = { enabled: true, workspaceDir: "/mnt/e/local-ai-suite", workspaceWritable: true, modelSwitch: true, dockerGroupId: 998 };
    const withSwitch = await runStackFile("p3", { mcp });
    expect(binds(withSwitch, "mcp-server")).toContainEqual({
      hostPath: "/var/run/docker.sock",
      containerPath: "/var/run/docker.sock",
      readOnly: false,
    });
    expect(containerNamed(withSwitch, "mcp-server").inputs.groupAdds).toEqual(["998"]);
    expect(containerNamed(withSwitch, "mcp-server").inputs.envs).toContain("USE_ENHANCED_SANDBOX=true");
    const socketHolders = containers(withSwitch)
      .filter((c) => ((c.inputs.volumes ?? []) as Bind[]).some((b) => b.hostPath === "/var/run/docker.sock"))
      .map((c) => c.inputs.name)
      .sort();
    // Besides MCP's model switch, only the healer's allowlisting proxy has it (cAdvisor does not by default).
    expect(socketHolders).toEqual(["docker-api-proxy", "mcp-server"]);
  });

  it("mounts the workspace read-only unless writes are allowed", async () => {
    const readOnly = await runStackFile("p3", { mcp: { enabled: true, workspaceDir: "/srv/repo" } });
    expect(binds(readOnly, "mcp-server")).toContainEqual({ hostPath: "/srv/repo", containerPath: "/mnt/workspace", readOnly: true });
    expect(binds(readOnly, "mcp-server").some((b) => b.hostPath === "/var/run/docker.sock")).toBe(false);
  });
});
