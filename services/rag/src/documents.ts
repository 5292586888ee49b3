/**
 * The documents an /index call covers: the mounted documents directory, or a
 * file or folder inside it. Paths never leave that directory.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { HttpError } from "../../common/src/http-error.ts";
import { decodeText } from "./text-file.ts";

/** The reference indexed these extensions only. */
export const DOCUMENT_EXTENSIONS = [".md", ".txt"];

export interface DocumentRef {
  /** Path relative to the documents directory, with "/" separators: the document's id. */
  id: string;
  absPath: string;
}

export interface IndexTarget {
  kind: "directory" | "file";
  /** What the caller asked for, for messages. */
  shown: string;
  documents: DocumentRef[];
}

/** A document that cannot be indexed because of what it is (not because a dependency failed). */
export class DocumentProblem extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "DocumentProblem";
    this.status = status;
  }
}

export function isDocumentName(name: string): boolean {
  return DOCUMENT_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Resolves `relPath` (optional; relative to `root`) to the documents to index.
 * Absolute paths, NUL bytes and paths escaping the root (by name or through a
 * symlink) are a 400, a missing one a 404.
 */
export async function resolveTarget(root: string, relPath: string | undefined): Promise<IndexTarget> {
  const wanted = relPath?.trim() || ".";
  if (wanted.includes("\0")) throw new HttpError(400, `path ${JSON.stringify(wanted)} holds a NUL byte`);
  if (path.isAbsolute(wanted)) {
    throw new HttpError(400, `path must be relative to the documents directory (${root}), got the absolute path ${JSON.stringify(wanted)}`);
  }
  const rootAbs = path.resolve(root);
  const target = path.resolve(rootAbs, wanted);
  if (target !== rootAbs && !target.startsWith(rootAbs + path.sep)) {
    throw new HttpError(400, `path ${JSON.stringify(wanted)} leaves the documents directory`);
  }
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    throw new HttpError(404, `no file or directory ${JSON.stringify(wanted)} in the documents directory (${root})`);
  }
  // A symlink inside may point anywhere (/etc, a home directory): what it resolves to must be inside too.
  const [real, realRoot] = await Promise.all([fs.realpath(target), fs.realpath(rootAbs)]);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new HttpError(400, `path ${JSON.stringify(wanted)} leads out of the documents directory through a symlink`);
  }
  if (stat.isDirectory()) {
    return { kind: "directory", shown: wanted, documents: await listDocuments(rootAbs, target) };
  }
  if (!stat.isFile()) throw new HttpError(400, `${JSON.stringify(wanted)} is neither a file nor a directory`);
  if (!isDocumentName(target)) {
    throw new HttpError(415, `${JSON.stringify(wanted)} is not a ${DOCUMENT_EXTENSIONS.join(" or ")} document`);
  }
  return { kind: "file", shown: wanted, documents: [ref(rootAbs, target)] };
}

/** Every .md/.txt file below `dir`, sorted by id; symlinks are not followed. */
async function listDocuments(rootAbs: string, dir: string): Promise<DocumentRef[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isDocumentName(e.name))
    .map((e) => ref(rootAbs, path.join(e.parentPath, e.name)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function ref(rootAbs: string, absPath: string): DocumentRef {
  return { id: path.relative(rootAbs, absPath).split(path.sep).join("/"), absPath };
}

/** Reads a document as text, refusing oversized (413) and binary or non-UTF-8 (415) files. */
export async function readDocument(doc: DocumentRef, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await fs.open(doc.absPath, "r");
  } catch (error) {
    throw new DocumentProblem(422, `cannot read ${doc.id}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes)
      throw new DocumentProblem(413, `${doc.id} is ${size} bytes, over the ${maxBytes}-byte limit (RAG_MAX_DOCUMENT_BYTES)`);
    const verdict = decodeText(await handle.readFile());
    if (!verdict.ok) throw new DocumentProblem(415, `${doc.id}: ${verdict.reason}`);
    return verdict.text;
  } finally {
    await handle.close();
  }
}
