/** The ports tests publish on the host: distinct, free, and below the ephemeral range (test/support/free-ports.ts says why). */
import fs from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, freePortBlock, freePorts } from "./support/free-ports";

const ephemeralLow = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve(server));
  });
}

describe("freePorts", () => {
  it("hands out distinct ports below the ephemeral range that can be bound on every address, never the same twice in a process", async () => {
    const first = await freePorts(20);
    const second = [await freePort(), ...(await freePorts(5))];
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(all.length);
    for (const port of all) {
      expect(port).toBeGreaterThan(1024);
      expect(port).toBeLessThan(ephemeralLow);
    }
    const servers = await Promise.all(all.map(listenOn));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it("hands out a block of consecutive free ports below the ephemeral range, none of them handed out before", async () => {
    const single = await freePorts(10);
    const base = await freePortBlock(3);
    const block = [base, base + 1, base + 2];
    expect(block.some((p) => single.includes(p))).toBe(false);
    expect(base + 2).toBeLessThan(ephemeralLow);
    const servers = await Promise.all(block.map(listenOn));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
});
