/**
 * Text from JSON may hold a lone UTF-16 surrogate ("\ud800" is valid JSON):
 * it is no Unicode text, and llama-server's JSON parser refuses it with a 500
 * deep inside a request. Our services refuse it where it comes in.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The index of the first lone surrogate, or -1. */
export function loneSurrogateAt(text: string): number {
  return text.search(LONE_SURROGATE);
}
