import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CHANGE_OVERHEAD_BYTES, docLimitRefusal } from './docLimit.ts';

/** A doc of exactly `bytes` bytes as an update (a text insert by a fixed client). */
function docOf(bytes: number): Y.Doc {
  const make = (chars: number) => {
    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getText('t').insert(0, 'x'.repeat(chars));
    return doc;
  };
  let chars = bytes - (Y.encodeStateAsUpdate(make(500)).byteLength - 500);
  let doc = make(chars);
  for (let i = 0; i < 4; i++) {
    const size = Y.encodeStateAsUpdate(doc).byteLength;
    if (size === bytes) break;
    chars += bytes - size;
    doc = make(chars);
  }
  expect(Y.encodeStateAsUpdate(doc).byteLength).toBe(bytes);
  return doc;
}

describe('refusing a change at the document-size limit before sending it (SPEC LIMIT-3, LIMIT-11)', () => {
  const LIMIT = 4000;
  const limits = { maxDocBytes: LIMIT, maxTickets: null, messagesPerMinute: null };
  const text = 'a reply';
  const adds = new TextEncoder().encode(text).byteLength + CHANGE_OVERHEAD_BYTES;

  it('takes a change that brings the document just under or exactly to the limit', () => {
    expect(docLimitRefusal({ doc: docOf(LIMIT - adds - 1), limits }, text)).toBeNull();
    expect(docLimitRefusal({ doc: docOf(LIMIT - adds), limits }, text)).toBeNull();
  });

  it('refuses one that would pass it, in words that keep the text', () => {
    const refusal = docLimitRefusal({ doc: docOf(LIMIT - adds + 1), limits }, text);
    expect(refusal).toMatch(
      /^This ticket has reached the size limit of the plan \(.*\): the change was not made\. Your text is kept here/,
    );
  });

  it('says so for a channel message too', () => {
    expect(docLimitRefusal({ doc: docOf(LIMIT), limits }, text, 'channel')).toMatch(
      /^This channel has reached the size limit of the plan .*the message was not sent\. Your text is kept here/,
    );
  });

  it('does not refuse when the limit is not known (not yet subscribed, or no limit)', () => {
    expect(docLimitRefusal({ doc: docOf(LIMIT * 2) }, text)).toBeNull();
    expect(
      docLimitRefusal({ doc: docOf(LIMIT * 2), limits: { ...limits, maxDocBytes: null } }, text),
    ).toBeNull();
  });
});
