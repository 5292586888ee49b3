/** The backup folder's manifest.json: what is in it, where it came from, and checksums to verify before restoring. */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const MANIFEST_FILE = "manifest.json";

const BackupFileSchema = z.strictObject({
  /** Relative to the backup folder, "/"-separated. */
  path: z.string().min(1),
  kind: z.enum(["qdrant-collection", "qdrant-full", "sqlite"]),
  size: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  collection: z.string().optional(),
  snapshot: z.string().optional(),
  service: z.string().optional(),
  /** Host path the database was copied from (and is restored to). */
  source: z.string().optional(),
});

export const ManifestSchema = z.strictObject({
  format: z.literal(1),
  stack: z.string(),
  phase: z.string(),
  createdAt: z.string(),
  complete: z.boolean(),
  error: z.string().optional(),
  /** Absent: the backup holds no Qdrant snapshots (a database owner's pre-change backup). */
  qdrant: z
    .strictObject({
    url: z.string(),
    collections: z.array(z.string()),
    /** Points in each collection when its snapshot was taken (a restore checks them; older manifests lack them). */
    points: z.record(z.string(), z.int().min(0)).optional(),
    })
    .optional(),
  /** The services this backup covers ("qdrant", a database owner); absent: all of them. */
  only: z.array(z.string()).optional(),
  files: z.array(BackupFileSchema),
  notes: z.array(z.string()),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type BackupFile = z.infer<typeof BackupFileSchema>;

export function writeManifest(folder: string, manifest: Manifest): void {
  fs.writeFileSync(path.join(folder, MANIFEST_FILE), `${JSON.stringify(ManifestSchema.parse(manifest), null, 2)}\n`);
}

export function readManifest(folder: string): Manifest {
  const file = path.join(folder, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new Error(`${folder} is not a backup folder: it has no ${MANIFEST_FILE}`);
  const parsed = ManifestSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} is not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}
