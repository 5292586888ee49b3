/** Words for a POSIX shell (/bin/sh): what a message tells a person to type, and what a command provider runs. */

/** The word in single quotes, a quote inside as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Words joined into a command line, each quoted unless it is plain. */
export function shellCommand(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : shellQuote(w))).join(" ");
}
