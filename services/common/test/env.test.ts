/** EnvReader: typed values from the environment, every problem named by its variable. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, EnvReader } from "../src/env.ts";

describe("EnvReader", () => {
  it("uses the fallback for unset and blank variables", () => {
    const r = new EnvReader({ BLANK: "  " });
    expect(r.int("BLANK", 7)).toBe(7);
    expect(r.string("MISSING", "x")).toBe("x");
    expect(r.optionalString("BLANK")).toBeUndefined();
    r.done();
  });

  it("parses seconds (fractions allowed) into milliseconds, booleans, URLs without a trailing slash", () => {
    const r = new EnvReader({ T: "0.25", B1: "yes", B2: "OFF", U: "http://h:1/v1/" });
    expect(r.seconds("T", 1)).toBe(250);
    expect(r.bool("B1", false)).toBe(true);
    expect(r.bool("B2", true)).toBe(false);
    expect(r.url("U", "http://x")).toBe("http://h:1/v1");
    r.done();
  });

  it("collects every problem and throws them together, each naming its variable", () => {
    const r = new EnvReader({ N: "1.5", M: "200", S: "0", B: "maybe", U: "not a url" });
    r.int("N", 1);
    r.int("M", 1, { max: 100 });
    r.seconds("S", 1);
    r.bool("B", true);
    r.url("U", "http://x");
    let caught: unknown;
    try {
      r.done();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toEqual([
      'N must be an integer (got "1.5")',
      "M must be an integer of at most 100 (got 200)",
      "S must be a number greater than 0 (got 0)",
      'B must be true or false (got "maybe")',
      'U must be an http(s) URL such as http://host:port (got "not a url")',
    ]);
    expect((caught as Error).message).toBe(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  });
});

describe("a secret from a file (<NAME>_FILE) or the env", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-env-"));
  const file = path.join(dir, "key");
  fs.writeFileSync(file, "from-the-file\n");
  const read = (env: Record<string, string>) => {
    const r = new EnvReader(env);
    const value = r.optionalSecret("QDRANT_API_KEY");
    return {
      value,
      error: (() => {
        try {
          r.done();
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      })(),
    };
  };

  it("reads the file the _FILE variable names, trimmed; else the variable; else nothing", () => {
    expect(read({ QDRANT_API_KEY_FILE: file })).toEqual({ value: "from-the-file", error: undefined });
    expect(read({ QDRANT_API_KEY: "from-env" })).toEqual({ value: "from-env", error: undefined });
    expect(read({})).toEqual({ value: undefined, error: undefined });
  });

  it("refuses both at once, and a file it cannot read, naming the variable", () => {
    expect(read({ QDRANT_API_KEY_FILE: file, QDRANT_API_KEY: "x" }).error).toMatch(/QDRANT_API_KEY and QDRANT_API_KEY_FILE are both set/);
    expect(read({ QDRANT_API_KEY_FILE: path.join(dir, "missing") }).error).toMatch(
      /QDRANT_API_KEY_FILE=.*missing: cannot read the secret file \(ENOENT\)/,
    );
  });
});
