/**
 * The transfer endpoints update and download sessions hand out: `PUT <base>/vsim-upload/
 * <session>/<file>` takes a file's bytes, `GET <base>/vsim-download/<session>/<file>` gives
 * them back. The bytes are kept in memory by SHA-1 (a subscribed copy shares its source's),
 * least recently used first out past a bound; the model records sizes and checksums. A
 * descriptor the simulator generated (an `.ovf` without uploaded bytes) is written afresh.
 */
import { createHash } from 'node:crypto';
import { isVimFault, ovfXml, type VSphere } from '@vsim/vsphere';
import type { RestRequest } from '../server.js';

export const UPLOAD_PREFIX = '/vsim-upload';
export const DOWNLOAD_PREFIX = '/vsim-download';

export interface TransferResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Uint8Array;
}

/** Bytes by SHA-1, at most `maxBytes` in all; the least recently used go first. */
export class BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes() {
    return this.#bytes;
  }

  put(sha1: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.#maxBytes) return;
    const had = this.#blobs.get(sha1);
    if (had) {
      this.#blobs.delete(sha1);
      this.#blobs.set(sha1, had);
      return;
    }
    this.#blobs.set(sha1, bytes.slice());
    this.#bytes += bytes.byteLength;
    for (const [key, blob] of this.#blobs) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#blobs.delete(key);
      this.#bytes -= blob.byteLength;
    }
  }

  get(sha1: string): Uint8Array | undefined {
    const blob = this.#blobs.get(sha1);
    if (blob) {
      this.#blobs.delete(sha1);
      this.#blobs.set(sha1, blob);
    }
    return blob;
  }
}

export const sha1Hex = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

const text = (status: number, message: string): TransferResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: `${message}\n`,
});

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
};

/** `<prefix>/<session>/<file>` -> [session, file]. */
const target = (path: string, prefix: string): [string, string] | undefined => {
  const rest = path.slice(prefix.length + 1).split('/');
  if (rest.length !== 2) return undefined;
  const [session, file] = rest.map(decode);
  return session && file ? [session, file] : undefined;
};

const failure = (error: unknown): TransferResponse => {
  if (isVimFault(error, 'NotFound')) return text(404, error.message);
  if (isVimFault(error)) return text(400, error.message);
  return text(500, String(error));
};

export const transferHandler = (vsphere: VSphere, blobs: BlobStore) => {
  const upload = (req: RestRequest): TransferResponse => {
    const at = target(req.path, UPLOAD_PREFIX);
    if (!at) return text(404, 'No such upload endpoint.');
    const [session, file] = at;
    const sha1 = sha1Hex(req.body);
    const info = vsphere.library.receiveUpdateFile(session, file, { bytes: req.body, sha1 });
    if (info.status === 'READY') blobs.put(sha1, req.body);
    return info.status === 'READY'
      ? { status: 200, headers: {}, body: '' }
      : text(400, info.errorMessage ?? '');
  };

  const download = (req: RestRequest): TransferResponse => {
    const at = target(req.path, DOWNLOAD_PREFIX);
    if (!at) return text(404, 'No such download endpoint.');
    const [session, name] = at;
    const file = vsphere.library.getDownloadFile(session, name);
    if (file.status !== 'PREPARED') return text(400, `The file ${name} has not been prepared.`);
    const item = vsphere.library.getItem(vsphere.library.getDownloadSession(session).libraryItemId);
    let bytes = file.checksum?.algorithm === 'SHA1' ? blobs.get(file.checksum.checksum) : undefined;
    if (!bytes && item.ovf && name === `${item.name}.ovf` && !file.checksum)
      bytes = new TextEncoder().encode(ovfXml(item.ovf, item.name));
    if (!bytes) return text(404, `The content of ${name} is not held by this server.`);
    vsphere.library.downloadedFile(session, name, bytes.byteLength);
    return {
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) },
      body: req.method === 'HEAD' ? '' : bytes,
    };
  };

  return (req: RestRequest): TransferResponse => {
    try {
      if (req.path.startsWith(`${UPLOAD_PREFIX}/`)) {
        if (req.method !== 'PUT' && req.method !== 'POST') return text(405, 'Upload with PUT.');
        return upload(req);
      }
      if (req.path.startsWith(`${DOWNLOAD_PREFIX}/`)) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Download with GET.');
        return download(req);
      }
      return text(404, 'Not found.');
    } catch (error) {
      return failure(error);
    }
  };
};
