/**
 * The healer's Docker API proxy on the real Docker Engine, as the plan runs
 * it (its image, user, capabilities, read-only root, healthcheck and rendered
 * allowlist): the healer's three calls pass; exec, create, inspecting a
 * container (its env), a restart of a container that is not opted in, and
 * every other call are refused before they reach the daemon. Then the healer's
 * own image, unprivileged and with no socket, heals a container through it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER_API_PROXY_CONFIG_PATH, DOCKER_API_PROXY_PORT, renderDockerApiProxyConfig } from "../../lib/docker/api-proxy-config";
import { DOCKER_API_PROXY_SERVICE } from "../../lib/plan/docker-api-proxy";
import { HEALER_SERVICE } from "../../lib/plan/healer";
import { DOCKER_SOCKET } from "../../lib/plan/mcp";
import type { ServiceSpec } from "../../lib/plan/service-spec";
import { docker, dockerOk } from "../support/docker-cli";
import { buildDockerApiProxyImage } from "../support/docker-api-proxy-image";
import { ensureMinbaseImage } from "../support/node-base-image";
import { buildServiceImage } from "../support/service-image";
import { planOf } from "../ops/support/plans";

const stack = `dap${process.pid}`;
const names = {
  network: `${stack}-docker-api`,
  proxy: `${stack}-docker-api-proxy`,
  target: `${stack}-target`,
  bystander: `${stack}-bystander`,
  healer: `${stack}-healer`,
};
const SECRET = `bystander-secret-${process.pid}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "docker-api-proxy-"));
let specs: { proxy: ServiceSpec; healer: ServiceSpec };
let minbase: string;
let healerImage: string;

/** `docker run` flags for what the plan decides about a container's privileges. */
function privilegeFlags(spec: ServiceSpec): string[] {
  return [
    ...(spec.user ? ["--user", spec.user] : []),
    ...(spec.readOnlyRootfs ? ["--read-only"] : []),
    ...(spec.capabilities?.drop ?? []).flatMap((c) => ["--cap-drop", c]),
    ...spec.securityOpts.flatMap((o) => ["--security-opt", o]),
  ];
}

const startedAt = async (name: string) => (await dockerOk(["inspect", "--format", "{{.State.StartedAt}}", name])).trim();

/** One container on the proxy's network makes every call; prints "<status> <method> <path>" per call. */
async function callProxy(calls: [method: string, path: string][]): Promise<Map<string, number>> {
  const script = calls
    .map(
      ([method, p]) =>
        `printf '%s ${method} %s\\n' "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -m 20 -X ${method} 'http://${DOCKER_API_PROXY_SERVICE}:${DOCKER_API_PROXY_PORT}${p}')" '${p}'`,
    )
    .join("; ");
  const out = await dockerOk(["run", "--rm", "--network", names.network, minbase, "bash", "-c", script], { timeoutMs: 120_000 });
  return new Map(
    out
      .trim()
      .split("\n")
      .map((line) => {
        const [status, method, p] = line.split(" ");
        return [`${method} ${p}`, Number(status)] as const;
      }),
  );
}

beforeAll(async () => {
  const plan = await planOf("p2");
  specs = {
    proxy: plan.services.find((s) => s.service === DOCKER_API_PROXY_SERVICE)!,
    healer: plan.services.find((s) => s.service === HEALER_SERVICE)!,
  };
  minbase = await ensureMinbaseImage();
  const [proxyImage, healer] = await Promise.all([
    buildDockerApiProxyImage(`local-ai-suite-test/docker-api-proxy:${stack}`),
    buildServiceImage("healer", `local-ai-suite-test/healer:${stack}`),
  ]);
  healerImage = healer;
  await dockerOk(["network", "create", "--internal", names.network]);
  // The opted-in target turns unhealthy within seconds, and again after each restart; the bystander is not opted in.
  const target = ["--label", `local-ai-suite.stack=${stack}`, "--label", "local-ai-suite.autoheal=true"];
  const labels = [...target, "--label", "local-ai-suite.service=target", "--label", "local-ai-suite.stop-grace-sec=1"];
  const unhealthy = ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1", "--health-timeout", "1s"];
  await dockerOk(["run", "-d", "--name", names.target, ...labels, ...unhealthy, minbase, "sleep", "600"]);
  await dockerOk(["run", "-d", "--name", names.bystander, "-e", `API_KEY=${SECRET}`, minbase, "sleep", "600"]);

  // The plan's rendered allowlist, for this test's containers instead of a stack's.
  const configFile = path.join(work, "haproxy.cfg");
  fs.writeFileSync(configFile, renderDockerApiProxyConfig({ restartable: [names.target], socketPath: DOCKER_SOCKET, stack }));
  fs.chmodSync(configFile, 0o644);
  const spec = specs.proxy;
  const bind = spec.binds.map((b) => ["-v", `${b.hostPath}:${b.containerPath}${b.readOnly ? ":ro" : ""}`]).flat();
  const [, ...probe] = spec.healthcheck.test;
  await dockerOk([
    "run",
    "-d",
    "--name",
    names.proxy,
    "--network",
    names.network,
    "--network-alias",
    DOCKER_API_PROXY_SERVICE,
    ...privilegeFlags(spec),
    ...bind,
    "-v",
    `${configFile}:${DOCKER_API_PROXY_CONFIG_PATH}:ro`,
    "--health-cmd",
    probe.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" "),
    "--health-interval",
    "1s",
    proxyImage,
  ]);
  const deadline = Date.now() + 60_000;
  let health = "";
  while (health !== "healthy" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    health = (await dockerOk(["inspect", "--format", "{{.State.Health.Status}}", names.proxy])).trim();
  }
  const logs = await docker(["logs", names.proxy]);
  expect(health, `the proxy's own healthcheck (GET /_ping from 127.0.0.1); log:\n${logs.stdout}${logs.stderr}`).toBe("healthy");
}, 900_000);

afterAll(async () => {
  await docker(["rm", "-f", ...Object.values(names).filter((n) => n !== names.network)]);
  await docker(["network", "rm", names.network]);
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the Docker API proxy (real HAProxy in front of the real daemon)", () => {
  it("is planned with the socket and nothing else: a private network, no port, no capability", () => {
    const { proxy, healer } = specs;
    expect(proxy.binds.map((b) => b.hostPath)).toEqual([DOCKER_SOCKET]);
    expect(proxy.ports).toEqual([]);
    expect([proxy.stackNetwork, proxy.privateNetworks]).toEqual([false, ["docker-api"]]);
    expect(proxy.capabilities?.drop).toEqual(["ALL"]);
    // The healer holds no socket and is no root.
    expect([healer.binds, healer.user, healer.privateNetworks]).toEqual([[], "1000:1000", ["docker-api"]]);
  });

  it("lets the healer's calls through: list, events, and a restart of an opted-in container by name", async () => {
    const before = await startedAt(names.target);
    const now = Math.floor(Date.now() / 1000);
    const status = await callProxy([
      ["GET", "/containers/json?all=1"],
      ["GET", `/events?since=${now - 5}&until=${now}`],
      ["POST", `/containers/${names.target}/restart?t=1`],
      ["POST", `/v1.41/containers/${names.target}/restart?t=1`],
    ]);
    expect(Object.fromEntries(status)).toEqual({
      "GET /containers/json?all=1": 200,
      [`GET /events?since=${now - 5}&until=${now}`]: 200,
      [`POST /containers/${names.target}/restart?t=1`]: 204,
      [`POST /v1.41/containers/${names.target}/restart?t=1`]: 204,
    });
    expect(await startedAt(names.target)).not.toBe(before);
  });

  it("refuses exec, create, inspect (a container's env), a restart of a container that is not opted in, and the rest", async () => {
    const bystanderStart = await startedAt(names.bystander);
    const refused: [string, string][] = [
      ["POST", `/containers/${names.target}/exec`],
      ["POST", "/containers/create"],
      ["POST", `/containers/create?name=${stack}-evil`],
      ["GET", `/containers/${names.bystander}/json`],
      ["GET", `/containers/${names.target}/json`],
      ["POST", `/containers/${names.bystander}/restart`],
      ["POST", `/containers/${names.target}/kill`],
      ["POST", `/containers/${names.target}/stop`],
      ["DELETE", `/containers/${names.target}`],
      ["GET", `/containers/${names.bystander}/archive?path=/`],
      ["GET", "/images/json"],
      ["GET", "/info"],
      ["GET", "/version"],
      // The proxy's own healthcheck path, from anywhere but the proxy itself.
      ["GET", "/_ping"],
      // The path as written is what is matched: no encoding, dot segments or suffix gets a bystander restarted.
      ["POST", `/containers/${names.target}%2F..%2F${names.bystander}/restart`],
      ["POST", `/containers/${names.target}/../${names.bystander}/restart`],
      ["POST", `/containers/${names.target}/restart/../../${names.bystander}/restart`],
      ["POST", `/containers/${names.target.slice(0, -1)}/restart`],
      ["POST", "/containers/json"],
    ];
    const status = await callProxy(refused);
    expect(Object.fromEntries(status)).toEqual(Object.fromEntries(refused.map(([m, p]) => [`${m} ${p}`, 403])));
    expect(await startedAt(names.bystander)).toBe(bystanderStart);
    expect(await dockerOk(["ps", "-a", "--filter", `name=${stack}-evil`, "--format", "{{.Names}}"])).toBe("");
  });

  it("is how the healer's image heals: unprivileged, no socket, on the proxy's network alone", async () => {
    const before = await startedAt(names.target);
    const env = { ...specs.healer.env, HEALER_STACK: stack, HEALER_MAX_RESTARTS: "2" };
    await dockerOk([
      "run",
      "-d",
      "--name",
      names.healer,
      "--network",
      names.network,
      ...privilegeFlags(specs.healer),
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      healerImage,
    ]);
    const deadline = Date.now() + 60_000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await startedAt(names.target);
    }
    const logs = await docker(["logs", names.healer]);
    const log = `${logs.stdout}${logs.stderr}`;
    expect(after, `healer log:\n${log}`).not.toBe(before);
    expect(log).toMatch(new RegExp(`"msg":"healer: restarted".*"container":"${names.target}"`));
    expect(log).not.toMatch(/restart failed/);
    const inspect = JSON.parse(await dockerOk(["inspect", names.healer]))[0];
    expect([inspect.Config.User, inspect.Mounts]).toEqual(["1000:1000", []]);
  }, 120_000);
});
