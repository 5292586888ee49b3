/**
 * Free TCP ports for what a test publishes on the host (a stack's containers, a
 * stand-in service).
 *
 * They come from below the kernel's ephemeral range. `listen(0)` hands out a port
 * from that range, and so does the kernel for every outgoing connection and for
 * every Pulumi plugin (each listens on port 0): a port picked that way was taken
 * again in the minute before Docker bound it ("bind: address already in use",
 * clean-clone CI, 2026-12-02). Below the range only another listener can take it.
 */
import fs from "node:fs";
import net from "node:net";

/** The kernel's ephemeral range; Linux's default when it cannot be read. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 1024) return [low, high];
  } catch {
    // Not Linux, or no /proc: use the default below.
  }
  return [32768, 60999];
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Handed out by this process already: two callers never get the same port before either binds it. */
const handedOut = new Set<number>();

/** `count` distinct ports that nobody listens on now, on 127.0.0.1 nor on every address. */
export async function freePorts(count: number): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  const high = ephemeralLow - 1;
  const low = Math.max(1025, high - 12000);
  const picked: number[] = [];
  for (let tries = 0; picked.length < count; tries++) {
    if (tries > 2000) throw new Error(`no ${count} free ports in ${low}-${high} (below the ephemeral range ${ephemeralLow}-)`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if ((await canListen(port, "127.0.0.1")) && (await canListen(port, "0.0.0.0"))) {
      handedOut.add(port);
      picked.push(port);
    }
  }
  return picked;
}

/** One port, as freePorts gives them. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
