import { hasLateEdits } from '@desk/model';
import type * as Y from 'yjs';

/**
 * Resolves once everything the device's copy of an older index generation holds is in the
 * newer one (SPEC IDX-GEN-3: the server replays late edits of `from` into `to` and moves
 * `from`'s `replayedUpTo`). An open page switches generations in place only then, so an
 * edit it made to the older one a moment ago never seems to vanish and come back. Checked
 * now and after changes to either doc (at most every `everyMs`); `stop` ends the wait
 * (resolving false).
 */
export function lateEditsReplayed(
  from: Y.Doc,
  to: Y.Doc,
  everyMs = 250,
): { done: Promise<boolean>; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let settle: (replayed: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => (settle = resolve));
  const finish = (replayed: boolean) => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    from.off('update', later);
    to.off('update', later);
    settle(replayed);
  };
  const check = () => {
    timer = null;
    if (!hasLateEdits(from)) finish(true);
  };
  function later() {
    timer ??= setTimeout(check, everyMs);
  }
  from.on('update', later);
  to.on('update', later);
  check();
  return { done, stop: () => finish(false) };
}
