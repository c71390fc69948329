/**
 * Bootstrap data as a guest gets it, and what keeps a customization from being made of it.
 */
import { gunzipSync } from 'node:zlib';

/** What keeps a bootstrap's customization from being made (a Secret without the key it needs). */
export class BootstrapDataError extends Error {}

/** Go's standard base64 (padded; line breaks ignored): the bytes, or undefined when it is not. */
function decodeBase64(data: Buffer): Buffer | undefined {
  const text = data.toString('latin1').replace(/[\r\n]/g, '');
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** A gzip header Go's reader takes: the magic, deflate, no reserved flags. */
const isGzip = (bytes: Buffer) =>
  bytes.length >= 10 &&
  bytes[0] === 0x1f &&
  bytes[1] === 0x8b &&
  bytes[2] === 8 &&
  ((bytes[3] as number) & 0xe0) === 0;

/**
 * Bootstrap data as the guest gets it, whatever it came as: base64 undone as often as it
 * decodes, then gunzipped if it is gzip (vm-operator's `TryToDecodeBase64Gzip`; a broken gzip
 * body throws). Bytes stay bytes.
 */
export function tryDecodeBase64Gzip(data: Buffer): Buffer {
  let bytes = data;
  for (let decoded = decodeBase64(bytes); decoded; decoded = decodeBase64(bytes)) bytes = decoded;
  return isGzip(bytes) ? gunzipSync(bytes) : bytes;
}
