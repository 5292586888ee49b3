/**
 * Deterministic Qdrant point ids: the same chunk of the same document always
 * gets the same id, so re-indexing overwrites instead of duplicating, and
 * documents never collide (the reference numbered points from 0 per call).
 */
import { createHash } from "node:crypto";

/** A UUID (version 5 layout) from collection, document id and chunk number. */
export function pointId(collection: string, docId: string, chunkIndex: number): string {
  const hash = createHash("sha256").update(`${collection}\u0000${docId}\u0000${chunkIndex}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
