/**
 * A local port whose TCP handshake never completes, to test connect
 * timeouts: a python3 process listens with the smallest backlog, fills the
 * accept queue itself and never accepts, so Linux drops further SYNs and a
 * client's connect hangs until its own deadline.
 */
import { spawn } from "node:child_process";

const SCRIPT = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.2)
print(port, flush=True)
time.sleep(3600)
`;

export interface BlackholePort {
  port: number;
  close(): void;
}

export function blackholePort(): Promise<BlackholePort> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.on("error", (error) => reject(new Error(`blackholePort needs python3: ${error.message}`)));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.stdout.once("data", (d: Buffer) => resolve({ port: Number(String(d).trim()), close: () => child.kill("SIGKILL") }));
    child.on("exit", (code) => reject(new Error(`blackholePort's python3 exited with ${code}: ${out}`)));
  });
}
