import { MAX_WORDS } from './ftsQuery.ts';

/**
 * Words as SQLite FTS5's `unicode61 remove_diacritics 2` tokenizer cuts them — runs of
 * letters and digits, lower case, without diacritics — for the engines whose own parser
 * cuts differently (PostgreSQL keeps `ana@example.com`, `floor-3` and `1.5` whole), so a
 * query finds on both what it finds on one.
 */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of `text`, folded, one space between them (what PostgreSQL's tsvector reads). */
export function searchTerms(text: string): string {
  return (fold(text).match(TOKEN) ?? []).join(' ');
}

/**
 * What the user typed as a PostgreSQL tsquery that cannot be anything but words, with the
 * FTS5 route's meaning (`ftsMatchQuery`): every word must match; a word of several tokens
 * (`ana@example.com`) is a phrase of them; the last word is a prefix from two letters or
 * digits on. Each token is quoted and holds only letters and digits, so no operator can be
 * typed in. Null: nothing to search for.
 */
export function tsQuery(input: string): string | null {
  const phrases = queryWords(input).map(({ tokens, prefix }) => {
    const quoted = tokens.map((token, j) =>
      prefix && j === tokens.length - 1 ? `'${token}':*` : `'${token}'`,
    );
    return quoted.length === 1 ? quoted[0]! : `(${quoted.join(' <-> ')})`;
  });
  return phrases.length === 0 ? null : phrases.join(' & ');
}

/** The query's words (as `ftsMatchQuery` takes them), each cut into folded tokens. */
function queryWords(input: string): { tokens: string[]; prefix: boolean }[] {
  const words = input
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, MAX_WORDS);
  return words.flatMap((word, i) => {
    const tokens = fold(word).match(TOKEN);
    if (!tokens) return [];
    const prefix = i === words.length - 1 && (word.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= 2;
    return [{ tokens, prefix }];
  });
}

/** Tokens of context a snippet shows around the first match (FTS5's `snippet()` takes 16). */
const SNIPPET_TOKENS = 16;

/**
 * A plain-text excerpt of `body` around the first word that `query` matches, as FTS5's
 * `snippet()` gives it: up to 16 words, `…` where the body was cut.
 */
export function snippetOf(body: string, query: string): string {
  const wanted = queryWords(query).flatMap(({ tokens, prefix }) =>
    tokens.map((token, j) => ({ token, prefix: prefix && j === tokens.length - 1 })),
  );
  if (wanted.length === 0) return '';
  const tokens = [...body.matchAll(TOKEN)];
  if (tokens.length === 0) return '';
  // No word of the body matched (found by its title or people): its beginning, as FTS5.
  const at = Math.max(
    0,
    tokens.findIndex((match) => {
      const token = fold(match[0]);
      return wanted.some((w) => (w.prefix ? token.startsWith(w.token) : token === w.token));
    }),
  );
  const first = Math.max(0, Math.min(at - 3, tokens.length - SNIPPET_TOKENS));
  const last = Math.min(tokens.length, first + SNIPPET_TOKENS) - 1;
  const start = first === 0 ? 0 : tokens[first]!.index;
  const end =
    last === tokens.length - 1 ? body.length : tokens[last]!.index + tokens[last]![0].length;
  return `${first > 0 ? '…' : ''}${body.slice(start, end).trim()}${last < tokens.length - 1 ? '…' : ''}`;
}
