/**
 * A build context's .dockerignore as Docker reads it (moby/patternmatcher):
 * one pattern per line, `#` comments, paths relative to the context root with
 * `/` separators, `*` and `?` within one path segment, `**` across any number
 * of them, `!` re-includes, and the last matching line decides. A directory
 * that matches excludes everything under it.
 */
export type IgnoreMatcher = (relativePath: string) => boolean;

function patternRegex(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      // "**/" matches zero or more directories; a trailing "**" anything below.
      const slash = pattern[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  // A match of a directory covers what is under it.
  return new RegExp(`^${out}(?:/.*)?$`);
}

export function dockerignoreMatcher(text: string): IgnoreMatcher {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = (negate ? line.slice(1) : line).trim().replace(/^\/+/, "").replace(/\/+$/, "");
      return { negate, regex: patternRegex(pattern.replace(/^\.\//, "")) };
    });
  return (relativePath) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) ignored = !rule.negate;
    return ignored;
  };
}
