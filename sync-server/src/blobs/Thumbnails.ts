import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Sharp from 'sharp';
import type { Logger } from '../log/logger.ts';

/** @default 320 px — the longer side of a thumbnail; sharp for a list of attachments, small on disk. */
export const THUMBNAIL_MAX_PX = 320;

/**
 * @default 40 megapixels — larger images get no thumbnail. A small file can declare a huge
 * canvas (a decompression bomb); libvips would allocate it all before resizing.
 */
export const THUMBNAIL_MAX_INPUT_PIXELS = 40_000_000;

/** Image types libvips (sharp's prebuilt binaries) decodes. */
const thumbnailable = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
]);

/**
 * WebP thumbnails of image attachments, under `<root>/<first two hex>/<sha256 of the
 * image>.webp`: addressed by the content they show, so one thumbnail serves every workspace
 * holding that image. They are derived data — kept outside the blobs folder (so backups skip
 * them) and made again on demand when missing.
 *
 * sharp decodes and encodes on libuv's thread pool, never on the event loop. Thumbnails are
 * made one at a time: on a small server a burst of uploads should not take every core.
 */
export class Thumbnails {
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    /** The image's bytes (from the BlobStorage, wherever it keeps them). */
    private readonly source: (sha256: string) => Promise<Readable>,
    private readonly log: Logger,
  ) {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  static canMake(type: string): boolean {
    return thumbnailable.has(type);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return path.join(this.root, sha256.slice(0, 2), `${sha256}.webp`);
  }

  /**
   * The thumbnail's path, made first if it does not exist yet; null when the image cannot
   * be decoded or is too large. Concurrent calls for one image share one job.
   */
  ensure(sha256: string): Promise<string | null> {
    const final = this.pathOf(sha256);
    if (fs.existsSync(final)) return Promise.resolve(final);
    const running = this.inFlight.get(sha256);
    if (running) return running;
    const job = this.queue.then(() => this.make(sha256, final));
    this.queue = job;
    this.inFlight.set(sha256, job);
    void job.finally(() => this.inFlight.delete(sha256));
    return job;
  }

  private async make(sha256: string, final: string): Promise<string | null> {
    if (fs.existsSync(final)) return final;
    const temp = path.join(this.root, 'tmp', `${crypto.randomUUID()}.webp`);
    try {
      const sharp = await loadSharp();
      const image = sharp({ limitInputPixels: THUMBNAIL_MAX_INPUT_PIXELS, failOn: 'error' });
      const input = await this.source(sha256);
      input.on('error', (error) => image.destroy(error));
      input.pipe(image);
      await image
        // Upright as the camera meant it (EXIF orientation); the output keeps no metadata.
        .rotate()
        .resize(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toFile(temp);
      await fs.promises.mkdir(path.dirname(final), { recursive: true });
      await fs.promises.rename(temp, final);
      return final;
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      this.log.info({ sha256, err: error }, 'no thumbnail for this image');
      return null;
    }
  }
}

let sharpModule: Promise<typeof Sharp> | undefined;

/** sharp maps libvips into the process: loaded with the first thumbnail, not at start. */
function loadSharp(): Promise<typeof Sharp> {
  sharpModule ??= import('sharp').then((module) => module.default);
  return sharpModule;
}
