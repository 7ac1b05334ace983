import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRange } from '../blobs/byteRange.ts';

/**
 * Just enough of the S3 REST API (path-style PUT, HEAD and GET of objects, one byte range,
 * ListObjectsV2 by prefix in pages) for S3BlobStore's tests, in memory, on a free port: no S3-compatible server can be
 * installed here. Unsigned requests are accepted; an aws-chunked body (a streamed upload with
 * a trailing checksum) is refused, as several S3-compatible servers do.
 */
export class FakeS3Server {
  readonly objects = new Map<string, Buffer>();
  /** Each object's LastModified, by the same `/bucket/key`; a test may move it back. */
  readonly modified = new Map<string, Date>();
  /** Keys per ListObjectsV2 page (S3's is 1000): small in a test of the paging. */
  pageSize = 1000;
  /** Every request as `METHOD /bucket/key`, for tests that count round trips. */
  readonly requests: string[] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeS3Server> {
    const fake: FakeS3Server = new FakeS3Server(
      http.createServer((req, res) => fake.handle(req, res)),
    );
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = decodeURIComponent(url.pathname);
    this.requests.push(`${req.method} ${key}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const object = this.objects.get(key);
      if (req.method === 'PUT') {
        if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) {
          return error(res, 501, 'NotImplemented');
        }
        this.objects.set(key, Buffer.concat(chunks));
        this.modified.set(key, new Date());
        res.writeHead(200, { etag: '"fake"' }).end();
        return;
      }
      if (req.method === 'DELETE') {
        // As S3: 204 whether or not the key existed.
        this.objects.delete(key);
        this.modified.delete(key);
        res.writeHead(204).end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return error(res, 405, 'MethodNotAllowed');
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        return this.list(res, key.replace(/^\/|\/$/g, ''), url.searchParams);
      }
      if (!object) {
        if (req.method === 'HEAD') return void res.writeHead(404).end();
        return error(res, 404, 'NoSuchKey');
      }
      const range = parseRange(req.headers.range, object.length);
      if (range === 'unsatisfiable') return error(res, 416, 'InvalidRange');
      const part = range ? object.subarray(range.start, range.end + 1) : object;
      res.writeHead(range ? 206 : 200, {
        'content-type': 'application/octet-stream',
        'content-length': String(part.length),
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${object.length}` } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : part);
    });
  }

  /** ListObjectsV2: keys in order, after the continuation token (the last key of a page). */
  private list(res: http.ServerResponse, bucket: string, params: URLSearchParams): void {
    const prefix = params.get('prefix') ?? '';
    const after = params.get('continuation-token') ?? '';
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(`/${bucket}/`))
      .map((k) => k.slice(bucket.length + 2))
      .filter((k) => k.startsWith(prefix) && k > after)
      .sort();
    const page = keys.slice(0, this.pageSize);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const full = `/${bucket}/${k}`;
        return (
          `<Contents><Key>${k}</Key>` +
          `<LastModified>${this.modified.get(full)!.toISOString()}</LastModified>` +
          `<Size>${this.objects.get(full)!.length}</Size></Contents>`
        );
      })
      .join('');
    res
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(
        '<?xml version="1.0" encoding="UTF-8"?>' +
          '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${page.length}</KeyCount>` +
          `<MaxKeys>${this.pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
          (truncated ? `<NextContinuationToken>${page.at(-1)}</NextContinuationToken>` : '') +
          contents +
          '</ListBucketResult>',
      );
  }
}

function error(res: http.ServerResponse, status: number, code: string): void {
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
    );
}
