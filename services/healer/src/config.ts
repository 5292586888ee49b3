/** The healer's settings, from its environment (the plan sets them: lib/plan/healer.ts). */
import { EnvReader, type Env } from "../../common/src/env.ts";

export interface HealerConfig {
  /** Only containers of this stack (label local-ai-suite.stack) are watched. */
  stack: string;
  /** A container must carry this label, set to "true", to be restarted. */
  optInLabel: string;
  /** Where the Docker API answers: http://host:port (the plan's allowlisting proxy) or unix:///path/to/docker.sock. */
  dockerApi: string;
  /** At most this many restarts of one container within `windowSec`; then it is left for a person. */
  maxRestarts: number;
  windowSec: number;
  /** Seconds between full scans for unhealthy containers (events can be missed across a daemon restart). */
  resyncSec: number;
  port: number;
  host: string;
}

export function loadHealerConfig(env: Env): HealerConfig {
  const r = new EnvReader(env);
  const stack = r.string("HEALER_STACK", "");
  if (!stack) r.problem("HEALER_STACK is required: the stack label (local-ai-suite.stack) of the containers to watch");
  const config: HealerConfig = {
    stack,
    optInLabel: r.string("HEALER_OPT_IN_LABEL", "local-ai-suite.autoheal"),
    dockerApi: r.string("HEALER_DOCKER_API", "unix:///var/run/docker.sock"),
    maxRestarts: r.int("HEALER_MAX_RESTARTS", 3, { min: 1, max: 100 }),
    windowSec: r.seconds("HEALER_WINDOW_SEC", 1800),
    resyncSec: r.seconds("HEALER_RESYNC_SEC", 30),
    port: r.int("HEALER_PORT", 8007, { min: 0, max: 65535 }),
    host: r.string("HEALER_HOST", "0.0.0.0"),
  };
  if (!/^(http:\/\/[^/]+\/?|unix:\/\/\/.+)$/.test(config.dockerApi))
    r.problem(`HEALER_DOCKER_API=${config.dockerApi}: want http://host:port (a Docker API proxy) or unix:///path/to/docker.sock`);
  r.done();
  return config;
}
