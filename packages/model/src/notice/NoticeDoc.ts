import type * as Y from 'yjs';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';
import { xmlPlainText } from '../text/xmlPlainText.ts';

export const NOTICE_SCHEMA_VERSION = 1;
export const noticeMigrations: readonly DocMigration[] = [{ to: 1, up: () => undefined }];

/** A notice's rich-text body (`<ws>:notice:<id>`): root Y.XmlFragment `body`. */
export class NoticeDoc {
  readonly body: Y.XmlFragment;

  constructor(readonly doc: Y.Doc) {
    this.body = doc.getXmlFragment('body');
  }

  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, NOTICE_SCHEMA_VERSION, noticeMigrations);
  }

  excerpt(limit = 280): string {
    return xmlPlainText(this.body, limit).replace(/\s+/g, ' ');
  }
}
