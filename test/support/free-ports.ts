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

/** Where the kernel's ephemeral range starts; Linux's default when it cannot be read. */
function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 1024) return low;
  } catch {
    // Not Linux, or no /proc: use the default below.
  }
  return 32768;
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

/** Where tests pick from: the 12000 ports below the ephemeral range. */
function pickRange(): { low: number; high: number } {
  const high = ephemeralLow() - 1;
  return { low: Math.max(1025, high - 12000), high };
}

async function isFree(port: number): Promise<boolean> {
  return !handedOut.has(port) && (await canListen(port, "127.0.0.1")) && (await canListen(port, "0.0.0.0"));
}

/** `count` consecutive free ports, the first returned (etcd takes a client, a peer and a metrics port after it). */
export async function freePortBlock(count: number): Promise<number> {
  const { low, high } = pickRange();
  for (let tries = 0; tries < 500; tries++) {
    const base = low + Math.floor(Math.random() * (high - low + 2 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const port of ports) free = free && (await isFree(port));
    if (!free) continue;
    ports.forEach((port) => handedOut.add(port));
    return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${low}-${high} (below the ephemeral range, from ${high + 1})`);
}

/** `count` distinct ports that nobody listens on now, on 127.0.0.1 nor on every address. */
export async function freePorts(count: number): Promise<number[]> {
  const picked: number[] = [];
  for (let i = 0; i < count; i++) picked.push(await freePortBlock(1));
  return picked;
}

/** One port, as freePorts gives them. */
export async function freePort(): Promise<number> {
  return freePortBlock(1);
}
