/**
 * A region where two sequences differ: `a[aStart, aEnd)` is replaced by `b[bStart, bEnd)`.
 * Everything between hunks is equal and in the same order.
 */
export interface Hunk {
  readonly aStart: number;
  readonly aEnd: number;
  readonly bStart: number;
  readonly bEnd: number;
}

/**
 * Above this many single-element edits the middle of the sequences is treated as one
 * replaced block: Myers' algorithm costs O((N+M)·D) time and O(D²) memory, and a text that
 * differs this much from its snapshot gains nothing from a finer diff.
 * @default 1000
 */
export const MAX_ALIGN_EDITS = 1000;

/**
 * The hunks that turn `a` into `b`, elements compared with `===` (callers pass keys: the
 * characters of a text, the content fingerprints of array items). The common prefix and
 * suffix are cut first, so the usual case — a few edits in a long sequence — is linear;
 * the middle is aligned with Myers' O(ND) diff, which keeps as many elements as possible.
 */
export function alignSequences<K extends string | number>(
  a: readonly K[],
  b: readonly K[],
  maxEdits = MAX_ALIGN_EDITS,
): Hunk[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const aEnd = a.length - suffix;
  const bEnd = b.length - suffix;
  if (prefix === aEnd && prefix === bEnd) return [];
  if (prefix === aEnd || prefix === bEnd) {
    return [{ aStart: prefix, aEnd, bStart: prefix, bEnd }];
  }
  const matches = myersMatches(a.slice(prefix, aEnd), b.slice(prefix, bEnd), maxEdits);
  if (matches === null) return [{ aStart: prefix, aEnd, bStart: prefix, bEnd }];

  const hunks: Hunk[] = [];
  let ai = 0;
  let bi = 0;
  const middleA = aEnd - prefix;
  const middleB = bEnd - prefix;
  for (const [ma, mb] of [...matches, [middleA, middleB] as const]) {
    if (ma > ai || mb > bi) {
      hunks.push({
        aStart: prefix + ai,
        aEnd: prefix + ma,
        bStart: prefix + bi,
        bEnd: prefix + mb,
      });
    }
    ai = ma + 1;
    bi = mb + 1;
  }
  return hunks;
}

/**
 * Pairs of equal positions `[i, j]` (ascending) of a longest common subsequence, or null
 * when more than `maxEdits` insertions + deletions would be needed.
 */
function myersMatches<K>(
  a: readonly K[],
  b: readonly K[],
  maxEdits: number,
): [number, number][] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] as it was after step d, for the walk back.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d += 1) {
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return walkBack(trace, n, m, a, b);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return null;
}

function walkBack<K>(
  trace: readonly Int32Array[],
  n: number,
  m: number,
  a: readonly K[],
  b: readonly K[],
): [number, number][] {
  const matches: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d -= 1) {
    const previous = trace[d - 1]!;
    const at = (k: number) => previous[k + d - 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    // The snake: equal elements walked diagonally after the one edit of step d.
    const startX = prevK === k + 1 ? prevX : prevX + 1;
    const startY = startX - k;
    while (x > startX && y > startY) {
      x -= 1;
      y -= 1;
      matches.push([x, y]);
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x -= 1;
    y -= 1;
    if (a[x] === b[y]) matches.push([x, y]);
  }
  return matches.reverse();
}
