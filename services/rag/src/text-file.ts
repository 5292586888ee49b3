/**
 * Tells text documents from binary ones: a NUL byte or bytes that are not
 * valid UTF-8 mean "not a text file" (an image renamed to .md, a PDF, ...).
 */

export type TextVerdict = { ok: true; text: string } | { ok: false; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decodeText(bytes: Uint8Array): TextVerdict {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, reason: `binary content (a NUL byte at offset ${nul}); only UTF-8 text is indexed` };
  try {
    // Strip a UTF-8 byte order mark so it does not end up in the first chunk.
    return { ok: true, text: decoder.decode(bytes).replace(/^\uFEFF/, "") };
  } catch {
    return { ok: false, reason: "not valid UTF-8 text; only UTF-8 text is indexed" };
  }
}
