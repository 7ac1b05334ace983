export interface Mentionable {
  readonly userId: string;
  readonly displayName: string;
}

export type TextSegment =
  | { kind: 'text'; text: string }
  | { kind: 'mention'; text: string; userId: string }
  | { kind: 'link'; text: string; url: string };

/**
 * Mentions are written as `@Display Name` in plain text. Matching is case-insensitive and
 * prefers the longest name, so "@Ana Maria" beats "@Ana". The ids found are stored on the
 * comment so renaming a member later does not break who was notified.
 */
export function findMentions(body: string, members: readonly Mentionable[]): string[] {
  const ids: string[] = [];
  for (const segment of segmentText(body, members)) {
    if (segment.kind === 'mention' && !ids.includes(segment.userId)) ids.push(segment.userId);
  }
  return ids;
}

/** Splits text into plain runs, @mentions of known members and links, for rendering. */
export function segmentText(body: string, members: readonly Mentionable[]): TextSegment[] {
  const names = [...members]
    .filter((m) => m.displayName)
    .sort((a, b) => b.displayName.length - a.displayName.length);
  const segments: TextSegment[] = [];
  let plain = '';
  let i = 0;
  const flush = () => {
    if (plain) segments.push({ kind: 'text', text: plain });
    plain = '';
  };
  while (i < body.length) {
    const char = body[i]!;
    if (char === '@' && (i === 0 || /\s|[([]/.test(body[i - 1]!))) {
      const rest = body.slice(i + 1).toLowerCase();
      const member = names.find((m) => {
        const name = m.displayName.toLowerCase();
        return rest.startsWith(name) && !/[\p{L}\p{N}]/u.test(rest[name.length] ?? ' ');
      });
      if (member) {
        flush();
        const text = body.slice(i, i + 1 + member.displayName.length);
        segments.push({ kind: 'mention', text, userId: member.userId });
        i += text.length;
        continue;
      }
    }
    if ((char === 'h' || char === 'H') && /^https?:\/\//i.test(body.slice(i, i + 8))) {
      const match = /^https?:\/\/[^\s<>"')\]]+/i.exec(body.slice(i));
      if (match) {
        const url = match[0].replace(/[.,;:!?]+$/, '');
        flush();
        segments.push({ kind: 'link', text: url, url });
        i += url.length;
        continue;
      }
    }
    plain += char;
    i += 1;
  }
  flush();
  return segments;
}
