import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ReplicaReset } from './ReplicaReset.ts';

const refusal = { code: DocErrorCode.docTooLarge, message: 'too large' };
const text = (doc: Y.Doc) => doc.getText('t').toString();

/** A server doc and a local replica that has synced with it, then edits the server lacks. */
function diverged(localEdits: string[]) {
  const server = new Y.Doc();
  server.getText('t').insert(0, 'shared');
  const local = new Y.Doc();
  Y.applyUpdate(local, Y.encodeStateAsUpdate(server));
  const updates: Uint8Array[] = [];
  local.on('update', (update: Uint8Array) => updates.push(update));
  for (const edit of localEdits) local.getText('t').insert(text(local).length, edit);
  return { server, local, updates };
}

/** What the user sees of a draft: the server's state with the draft applied. */
function withDraft(server: Y.Doc, draft: Uint8Array): string {
  const view = new Y.Doc();
  Y.applyUpdate(view, Y.encodeStateAsUpdate(server));
  Y.applyUpdate(view, draft);
  return text(view);
}

describe('ReplicaReset', () => {
  it('fills a fresh doc with the server’s state and keeps the refused work as a draft', () => {
    const { server, updates } = diverged([' refused']);
    const reset = new ReplicaReset(refusal, 1234, updates, { gc: true });
    expect(text(reset.doc)).toBe('');
    Y.applyUpdate(reset.doc, Y.encodeStateAsUpdate(server));

    const draft = reset.finish();
    expect(text(reset.doc)).toBe('shared');
    expect(draft).toMatchObject({ code: 'doc_too_large', message: 'too large', at: 1234 });
    expect(withDraft(server, draft!.update)).toBe('shared refused');
  });

  it('adds local changes made while it runs to the draft', () => {
    const { server, local, updates } = diverged([' refused']);
    const reset = new ReplicaReset(refusal, 1, updates.splice(0), { gc: true });
    local.getText('t').insert(text(local).length, ' meanwhile');
    reset.keep(...updates);
    Y.applyUpdate(reset.doc, Y.encodeStateAsUpdate(server));
    expect(withDraft(server, reset.finish()!.update)).toBe('shared refused meanwhile');
  });

  it('leaves out of the draft what the server took before refusing a later change', () => {
    const { server, updates } = diverged([' accepted', ' refused']);
    const [accepted] = updates;
    Y.applyUpdate(server, accepted!);
    const reset = new ReplicaReset(refusal, 1, updates, { gc: true });
    Y.applyUpdate(reset.doc, Y.encodeStateAsUpdate(server));
    const draft = reset.finish()!;
    expect(Y.decodeUpdate(draft.update).structs).toHaveLength(1);
    expect(withDraft(server, draft.update)).toBe('shared accepted refused');
  });

  it('keeps no draft when the server has all of the work', () => {
    const { server, updates } = diverged([' accepted']);
    for (const update of updates) Y.applyUpdate(server, update);
    const reset = new ReplicaReset(refusal, 1, updates, { gc: true });
    Y.applyUpdate(reset.doc, Y.encodeStateAsUpdate(server));
    expect(reset.finish()).toBeNull();
  });

  it('keeps no draft when there was no work to keep (read-only announced with nothing sent)', () => {
    const reset = new ReplicaReset(refusal, 1, [], { gc: false });
    expect(reset.doc.gc).toBe(false);
    expect(reset.finish()).toBeNull();
  });
});
