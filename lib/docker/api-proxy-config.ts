/**
 * The Docker API allowlist in front of the socket, as an HAProxy config: the
 * healer lists the stack's containers, follows their health events and
 * restarts one of the named containers; every other call is answered 403 by
 * the proxy and never reaches the daemon. Proxies match methods and paths, so
 * a restart is allowed by container name, one name per opted-in container of
 * the stack (Docker resolves an ID, then a name, then an ID prefix: a name
 * with a character outside [0-9a-f] can only ever be that name).
 */

/** Where the proxy listens (Docker's own plain-HTTP port); reachable only on the healer's private network. */
export const DOCKER_API_PROXY_PORT = 2375;
export const DOCKER_API_PROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";

export interface DockerApiAllowlist {
  /** Containers a POST /containers/<name>/restart may name. */
  restartable: string[];
  /** The socket inside the proxy container. */
  socketPath: string;
  /** A comment naming whose allowlist this is. */
  stack: string;
}

/** A Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*) that no container ID prefix can equal. */
export function restartableNameProblem(name: string): string | undefined {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return `"${name}" is not a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`;
  if (/^[0-9a-f]+$/.test(name))
    return `"${name}" could be read as a container ID prefix; a restartable name needs a character outside 0-9a-f`;
  return undefined;
}

const escapeRegex = (s: string) => s.replace(/[.\\+*?^$()[\]{}|]/g, "\\$&");
/** An API path, optionally version-prefixed, as an anchored HAProxy regex (single-quoted: no config escapes). */
const apiPath = (pattern: string) => `'^(/v1\\.[0-9]+)?${pattern}$'`;

export function renderDockerApiProxyConfig(allowlist: DockerApiAllowlist): string {
  const problems = allowlist.restartable.flatMap((n) => restartableNameProblem(n) ?? []);
  if (problems.length) throw new Error(`Docker API allowlist: ${problems.join("; ")}`);
  const names = [...new Set(allowlist.restartable)].sort();
  const restart = names.length
    ? [
        `    acl restart_path path -m reg ${apiPath(`/containers/(${names.map(escapeRegex).join("|")})/restart`)}`,
        "    http-request allow if is_post restart_path",
      ]
    : ["    # No container of the stack opts in to restarts."];
  return [
    `# The healer's Docker API allowlist for stack ${allowlist.stack}, rendered by lib/docker/api-proxy-config.ts.`,
    "# Allowed: GET /containers/json, GET /events, POST /containers/<named>/restart (and GET /_ping from the",
    "# proxy's own healthcheck). Everything else gets 403 here and never reaches the Docker daemon.",
    "global",
    "    log stdout format raw local0 info",
    "    maxconn 32",
    "",
    "defaults",
    "    mode http",
    "    log global",
    "    option httplog",
    "    timeout connect 5s",
    "    timeout http-request 10s",
    "    timeout client 1h",
    "    timeout server 1m",
    "",
    "frontend docker_api",
    `    bind :${DOCKER_API_PROXY_PORT}`,
    "    # The allowlist matches the path as written; an encoded one (%2F, %2E) is refused, not decoded.",
    "    http-request deny deny_status 403 if { path -m sub % }",
    "    acl is_get method GET",
    "    acl is_post method POST",
    "    acl own_healthcheck src 127.0.0.1",
    `    acl list_path path -m reg ${apiPath("/containers/json")}`,
    `    acl events_path path -m reg ${apiPath("/events")}`,
    `    acl ping_path path -m reg ${apiPath("/_ping")}`,
    "    http-request allow if is_get list_path",
    "    http-request allow if is_get events_path",
    "    http-request allow if is_get ping_path own_healthcheck",
    ...restart,
    "    http-request deny deny_status 403",
    "    use_backend docker_events if events_path",
    "    default_backend docker",
    "",
    "backend docker",
    `    server dockerd ${allowlist.socketPath}`,
    "",
    "# The event stream stays open with nothing to say while the stack is healthy; the healer follows it again when it ends.",
    "backend docker_events",
    "    timeout server 1h",
    `    server dockerd ${allowlist.socketPath}`,
    "",
  ].join("\n");
}
