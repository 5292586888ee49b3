/**
 * A real wedge of a real process: one thread stopped, every other thread
 * running. It seizes the thread with ptrace and interrupts it
 * (PTRACE_SEIZE + PTRACE_INTERRUPT stop that thread alone, where SIGSTOP
 * would stop the whole process), holds it, and detaches on release. For
 * llama-server the thread is the main one (its host tid is the container's
 * pid): its inference loop stops while the HTTP threads still answer /health,
 * as a loop stuck in a hung call or a deadlock would. If this process dies the
 * kernel detaches and the thread runs again. Needs root (CAP_SYS_PTRACE) on
 * the Docker host.
 */
import { spawn } from "node:child_process";

// One thread does it all: ptrace requests must come from the tracing thread. While it holds the
// thread it also reaps it if it is killed (a traced process that dies stays a zombie, which Docker
// cannot kill, until its tracer waits for it).
const HELPER = `
import ctypes, os, select, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
SEIZE, INTERRUPT, DETACH, WALL = 0x4206, 0x4207, 17, 0x40000000
tid = int(sys.argv[1])
def call(request, what):
    if libc.ptrace(request, tid, None, None) != 0:
        sys.exit("ptrace %s of thread %d: %s" % (what, tid, os.strerror(ctypes.get_errno())))
call(SEIZE, "seize")
call(INTERRUPT, "interrupt")
os.waitpid(tid, WALL)
print("stopped", flush=True)
while True:
    if select.select([sys.stdin], [], [], 0.1)[0]:
        call(DETACH, "detach")
        print("released", flush=True)
        break
    pid, status = os.waitpid(tid, WALL | os.WNOHANG)
    if pid and (os.WIFEXITED(status) or os.WIFSIGNALED(status)):
        print("ended", flush=True)
        break
`;

export interface WedgedThread {
  /** Epoch ms when the thread was seen stopped. */
  stoppedAt: number;
  /** Lets the thread run again (a no-op once the process is gone). */
  release(): Promise<void>;
}

/** Stops thread `tid` (a host tid) and resolves once it is stopped. */
export function wedgeThread(tid: number): Promise<WedgedThread> {
  const child = spawn("python3", ["-c", HELPER, String(tid)], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A release that races the helper's own end (the thread was killed) writes to a closed pipe: nothing to do.
  child.stdin.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    const onStopped = () => {
      if (!out.includes("stopped")) return;
      child.stdout.off("data", onStopped);
      resolve({
        stoppedAt: Date.now(),
        release: async () => {
          if (child.exitCode === null) child.stdin.end("release\n");
          await exited;
        },
      });
    };
    child.stdout.on("data", onStopped);
    child.once("exit", (code) => {
      if (!out.includes("stopped"))
        reject(
          new Error(
            `could not stop thread ${tid} (exit ${code}): ${err.trim()}. This needs root (CAP_SYS_PTRACE) and python3 on the Docker host.`,
          ),
        );
    });
  });
}
