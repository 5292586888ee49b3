/**
 * Which healthcheck the program sends depends on the Docker Engine: an engine
 * before API 1.44 refuses start_interval outright. Both paths, with the real
 * engine: "auto" asks the daemon (here Engine 20.10, API 1.41: no
 * start_interval; the deploy suite deploys that plan), and a stack that pins
 * 1.44 plans start_interval. The detection itself against a stand-in daemon.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { detectEngineApiVersion } from "../../program/docker-engine";
import { cleanup, initStack, preview, REPO_DIR, steps, tempProject, urnName, type Project } from "../support/pulumi-cli";

const projects: Project[] = [];
afterAll(() => projects.forEach(cleanup));

const p2 = () => (parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.p2.yaml"), "utf8")) as { config: Record<string, unknown> }).config;

async function plannedHealthchecks(config: Record<string, unknown>): Promise<Record<string, { startInterval?: string }>> {
  const project = tempProject({ stacks: { p2: config } });
  projects.push(project);
  await initStack(project, "p2");
  const run = await preview(project, { stack: "p2", pack: true });
  expect(run.code, run.output).toBe(0);
  return Object.fromEntries(
    steps(run)
      .filter((s) => s.type === "docker:index/container:Container")
      .map((s) => [urnName(s.urn), (s.new?.inputs?.healthcheck ?? {}) as { startInterval?: string }]),
  );
}

describe("start_interval follows the engine", () => {
  it('"auto" asks the daemon: this Engine (API < 1.44) gets no start_interval', async () => {
    const detected = await detectEngineApiVersion(process.env.DOCKER_HOST);
    expect(detected).toMatch(/^1\.\d+$/);
    const checks = await plannedHealthchecks(p2());
    expect(Object.keys(checks).length).toBeGreaterThan(5);
    const newEnough = Number(detected!.split(".")[1]) >= 44;
    // The provider's check fills an absent start_interval with "0s", which the daemon reads as unset.
    for (const [container, hc] of Object.entries(checks)) expect(hc.startInterval, container).toBe(newEnough ? "2s" : "0s");
  }, 120_000);

  it("a stack that pins API 1.44 plans start_interval on every container", async () => {
    const checks = await plannedHealthchecks({ ...p2(), "local-ai-suite:docker": { engineApiVersion: "1.44" } });
    for (const [container, hc] of Object.entries(checks)) expect(hc.startInterval, container).toBe("2s");
  }, 120_000);
});

describe("detecting the engine's API version", () => {
  it("reads ApiVersion from /version over a unix socket, and gives up quietly where it cannot ask", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-dockerd-"));
    const socket = path.join(dir, "docker.sock");
    const server = http.createServer((req, res) =>
      res.end(JSON.stringify(req.url === "/version" ? { Version: "27.3.1", ApiVersion: "1.47" } : {})),
    );
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      expect(await detectEngineApiVersion(`unix://${socket}`)).toBe("1.47");
      expect(await detectEngineApiVersion(`unix://${dir}/nothing.sock`)).toBeUndefined();
      expect(await detectEngineApiVersion("ssh://user@host")).toBeUndefined();
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
