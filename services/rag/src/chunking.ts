/**
 * Splits a document into overlapping windows of words, as the reference did
 * (RAG_CHUNK_SIZE and RAG_CHUNK_OVERLAP count words). Whitespace, newlines
 * included, collapses to single spaces.
 */

export function chunkWords(text: string, size: number, overlap: number): string[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size)
    throw new RangeError(`chunk overlap must be from 0 to ${size - 1}, got ${overlap}`);
  const words = text.split(/\s+/).filter(Boolean);
  const step = size - overlap;
  const chunks: string[] = [];
  for (let start = 0; start < words.length; start += step) {
    chunks.push(words.slice(start, start + size).join(" "));
    // The last window already reached the end; another would only repeat its tail.
    if (start + size >= words.length) break;
  }
  return chunks;
}
