/**
 * One HTTP request with headers fetch() will not send as given (a foreign
 * Host, as a DNS-rebound page's request has), over node:http.
 */
import * as http from "node:http";

export function rawRequest(
  port: number,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: options.method, path: options.path, headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${options.method} ${options.path} on :${port} timed out`)));
    req.on("error", reject);
    req.end(options.body);
  });
}
