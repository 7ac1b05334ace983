import type { QueuedUpload, UploadQueue } from './UploadQueue.ts';

/**
 * The open workspace's queue of attachments picked offline, for the ticket view: it adds
 * files here when the server cannot be reached, and lists their state. Attached by the sync
 * status bar (which also uploads them on reconnect); one per tab, like the open workspace.
 */
class OfflineUploads {
  items = $state.raw<readonly QueuedUpload[]>([]);
  #queue: UploadQueue | null = null;
  #off: (() => void) | null = null;

  get available(): boolean {
    return this.#queue !== null;
  }

  forTicket(ticketId: string): QueuedUpload[] {
    return this.items.filter((item) => item.ticketId === ticketId);
  }

  /** Keeps a file picked offline; it is uploaded and attached when the connection is back. */
  async add(input: {
    id: string;
    workspaceSlug: string;
    ticketId: string;
    file: File;
    uploadedBy: string;
  }): Promise<void> {
    if (!this.#queue) throw new Error('No workspace is open.');
    await this.#queue.enqueue({
      id: input.id,
      workspaceSlug: input.workspaceSlug,
      ticketId: input.ticketId,
      file: input.file,
      name: input.file.name,
      type: input.file.type || 'application/octet-stream',
      size: input.file.size,
      uploadedBy: input.uploadedBy,
    });
  }

  async remove(id: string): Promise<void> {
    await this.#queue?.remove(id);
  }

  attach(queue: UploadQueue | null): void {
    this.#off?.();
    this.#queue = queue;
    this.items = [];
    if (!queue) return;
    const refresh = () => {
      void queue.list().then(
        (items) => {
          if (this.#queue === queue) this.items = items;
        },
        () => undefined,
      );
    };
    this.#off = queue.onChange(refresh);
    refresh();
  }
}

export const offlineUploads = new OfflineUploads();
