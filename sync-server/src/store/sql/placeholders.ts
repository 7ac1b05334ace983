/**
 * `?` placeholders (SQLite's, and the seam's) as PostgreSQL's `$1, $2, …`. A `?` inside a
 * string literal, a quoted identifier or a comment is left alone. PostgreSQL's own `?`
 * operators (jsonb) cannot be written through the seam: every `?` outside quotes is a
 * parameter.
 */
const translated = new Map<string, string>();

export function toPgPlaceholders(sql: string): string {
  const known = translated.get(sql);
  if (known !== undefined) return known;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quoted run ends at the next unescaped quote ('' and "" escape themselves).
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (translated.size < 2000) translated.set(sql, out);
  return out;
}
