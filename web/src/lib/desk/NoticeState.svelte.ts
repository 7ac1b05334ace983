import { docIds, NoticeDoc, readKey, type NoticeRecord } from '@desk/model';
import type { DocHandle } from '$lib/offline/DocSource.ts';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';

/** One open notice: its record in the index, its rich-text body doc, my read marker. */
export class NoticeState {
  record = $state.raw<NoticeRecord | null>(null);
  readonly handle: DocHandle;
  readonly notice: NoticeDoc;
  private cleanups: (() => void)[] = [];
  private excerptTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly desk: DeskWorkspace,
    readonly noticeId: string,
  ) {
    this.handle = desk.source.open(docIds.notice(desk.workspace!.id, noticeId));
    this.notice = new NoticeDoc(this.handle.doc);
    this.record = desk.index.notices.get(noticeId);
    this.cleanups.push(
      desk.index.notices.observe(() => {
        this.record = desk.index.notices.get(noticeId);
        this.markRead();
      }),
    );
    const onBody = (_events: unknown, transaction: { local: boolean }) => {
      if (!transaction.local) return;
      clearTimeout(this.excerptTimer);
      this.excerptTimer = setTimeout(() => {
        desk.index.notices.update(noticeId, { excerpt: this.notice.excerpt() }, Date.now());
      }, 1200);
    };
    this.notice.body.observeDeep(onBody);
    this.cleanups.push(() => this.notice.body.unobserveDeep(onBody));
    void this.handle.whenLoaded.then(() => this.notice.ensureSchema());
    this.markRead();
  }

  update(patch: { title?: string; pinned?: boolean; deleted?: boolean }): void {
    this.desk.index.notices.update(this.noticeId, patch, Date.now());
  }

  destroy(): void {
    clearTimeout(this.excerptTimer);
    for (const cleanup of this.cleanups) cleanup();
    this.handle.release();
  }

  private markRead(): void {
    const at = this.record?.updatedAt ?? 0;
    if (at) this.desk.user.markRead(readKey.notice(this.noticeId), at);
  }
}
