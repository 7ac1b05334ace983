/**
 * What the user typed, as an FTS5 query that cannot be anything but words: each word
 * becomes a quoted string (quotes inside doubled), so `"`, `*`, `NEAR`, `AND`, `OR`, `NOT`,
 * `^`, `:` and parentheses are text, never syntax. Every word must match (FTS5's implicit
 * AND); the last one as a prefix, since search runs while typing — from two letters or
 * digits on: a one-character prefix matches most of a workspace and has no prefix index
 * (half a second of the event loop at 10,000 tickets), so it is a whole word, as on the
 * device (`LocalTicketIndex`). Words with no letter or digit are dropped: the tokenizer
 * would make an empty phrase of them. Null: nothing to search for.
 */
export function ftsMatchQuery(input: string): string | null {
  const words = input
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, MAX_WORDS);
  if (words.length === 0) return null;
  return words
    .map((word, i) => {
      const quoted = `"${word.replaceAll('"', '""')}"`;
      const prefix = i === words.length - 1 && (word.match(WORD_CHARS)?.length ?? 0) >= 2;
      return prefix ? `${quoted}*` : quoted;
    })
    .join(' ');
}

const WORD_CHARS = /[\p{L}\p{N}]/gu;

/** Words of one query the server matches; more are ignored (a pasted paragraph). */
export const MAX_WORDS = 16;

/**
 * The token naming a workspace inside the index: its id hex-encoded (ids may hold `-`, `_`),
 * after `w` for live tickets and `x` for those in the trash, which search never answers.
 */
export function workspaceToken(workspaceId: string, deleted = false): string {
  return `${deleted ? 'x' : 'w'}${Buffer.from(workspaceId, 'utf8').toString('hex')}`;
}
