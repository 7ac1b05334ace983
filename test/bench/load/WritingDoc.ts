import * as Y from 'yjs';

/**
 * What a writer writes:
 *  - `map`: overwrites its own key of one shared map (the document never grows);
 *  - `text`: appends a word to one shared Y.Text (the document grows with every write);
 *  - `rich`: types a rich-text description character by character, as y-prosemirror
 *    (Tiptap) stores it: a Y.XmlFragment of `paragraph` elements holding Y.XmlText, a new
 *    paragraph every `PARAGRAPH_CHARS` characters.
 */
export const WRITER_KINDS = ['map', 'text', 'rich'] as const;
export type WriterKind = (typeof WRITER_KINDS)[number];

export const WRITER_LABELS: Record<WriterKind, string> = {
  map: 'map key overwritten',
  text: 'Y.Text appended',
  rich: 'rich text typed',
};

const PARAGRAPH_CHARS = 120;
const TYPED = 'The printer on the third floor prints every page twice since Monday. ';

/**
 * A client's local Yjs document that produces small, real updates. The n-th write of a
 * client is identified by (clientID, first clock it occupies) in any update that carries
 * it, however the server re-encodes or merges updates: map writes and typed characters
 * occupy one clock tick, an appended word one tick per character, a new paragraph (element
 * and text) a few.
 */
export class WritingDoc {
  readonly doc = new Y.Doc();
  private lastUpdate: Uint8Array | null = null;
  /** Written as the value so consecutive updates differ visibly when debugging. */
  private writes = 0;
  private paragraph: Y.XmlText | null = null;

  constructor(
    readonly clientID: number,
    readonly kind: WriterKind = 'map',
  ) {
    this.doc.clientID = clientID;
    this.doc.on('update', (update: Uint8Array) => (this.lastUpdate = update));
  }

  /** Writes once; returns the update and the first clock it occupies. */
  write(): { update: Uint8Array; clock: number } {
    const clock = Y.getState(this.doc.store, this.clientID);
    const n = this.writes++;
    switch (this.kind) {
      case 'map':
        this.doc.getMap<number>('bench').set(String(this.clientID), n);
        break;
      case 'text': {
        const text = this.doc.getText('text');
        text.insert(text.length, `w${n % 1000} `);
        break;
      }
      case 'rich':
        this.type(TYPED[n % TYPED.length]!, n % PARAGRAPH_CHARS === 0);
        break;
    }
    const update = this.lastUpdate;
    if (!update) throw new Error(`a ${this.kind} write produced no update`);
    this.lastUpdate = null;
    return { update, clock };
  }

  private type(char: string, newParagraph: boolean): void {
    const fragment = this.doc.getXmlFragment('description');
    if (newParagraph || !this.paragraph) {
      const element = new Y.XmlElement('paragraph');
      const text = new Y.XmlText(char);
      element.insert(0, [text]);
      fragment.insert(fragment.length, [element]);
      this.paragraph = text;
      return;
    }
    this.paragraph.insert(this.paragraph.length, char);
  }
}
