/**
 * What a local image is built from, as one digest: the Dockerfile, and every
 * file of the build context it copies (its COPY and ADD sources; all of the
 * context where those are not plain paths), .dockerignore applied, by path
 * and content.
 * The docker provider does not rebuild an image whose tag is unchanged when
 * its source changes; the Service component hands it this digest as a
 * rebuild trigger, and `npm run review` compares it between two trees.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { dockerfileSources } from "../lib/docker/dockerfile-sources";
import { dockerignoreMatcher } from "../lib/docker/dockerignore";

export function buildContextDigest(context: string, dockerfile: string): string | undefined {
  if (!fs.existsSync(context)) return undefined;
  const ignorePath = path.join(context, ".dockerignore");
  const ignored = dockerignoreMatcher(fs.existsSync(ignorePath) ? fs.readFileSync(ignorePath, "utf8") : "");
  const recipe = path.resolve(context, dockerfile);
  const recipeText = fs.existsSync(recipe) ? fs.readFileSync(recipe, "utf8") : "";
  const sources = dockerfileSources(recipeText) ?? ["."];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(context, full).split(path.sep).join("/");
      if (ignored(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(rel);
    }
  };
  for (const source of new Set(sources)) {
    const full = path.resolve(context, source);
    const rel = path.relative(context, full).split(path.sep).join("/");
    if (rel.startsWith("..") || !fs.existsSync(full) || (rel && ignored(rel))) continue;
    if (fs.statSync(full).isDirectory()) walk(full);
    else files.push(rel);
  }
  const hash = createHash("sha256").update("Dockerfile\0").update(recipeText);
  for (const rel of [...new Set(files)].sort()) hash.update(`\0${rel}\0`).update(fs.readFileSync(path.join(context, rel)));
  return hash.digest("hex").slice(0, 16);
}
