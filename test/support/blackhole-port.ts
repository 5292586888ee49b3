/**
 * A local port whose TCP handshake never completes, to test connect
 * timeouts: a child Node process listens with a backlog of 1 (0 would mean Node's default) and blocks
 * its event loop (Atomics.wait: no CPU), so it never accepts; this process
 * fills the accept queue, after which Linux drops further SYNs and a client's
 * connect hangs until its own deadline. Only Node is needed.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";

const SCRIPT = `
const net = require("node:net");
const fs = require("node:fs");
const server = net.createServer();
server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
  fs.writeSync(1, server.address().port + "\\n");
  // Never return to the event loop, so nothing is ever accepted.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

export interface BlackholePort {
  port: number;
  close(): void;
}

export function blackholePort(): Promise<BlackholePort> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.on("error", (error) => reject(new Error(`blackholePort could not start node: ${error.message}`)));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.stdout.once("data", (d: Buffer) => {
      const port = Number(String(d).trim());
      const fillers = Array.from({ length: 4 }, () => net.connect(port, "127.0.0.1").on("error", () => {}));
      const close = () => {
        for (const socket of fillers) socket.destroy();
        child.kill("SIGKILL");
      };
      setTimeout(() => resolve({ port, close }), 200);
    });
    child.on("exit", (code) => reject(new Error(`blackholePort's node exited with ${code}: ${out}`)));
  });
}
