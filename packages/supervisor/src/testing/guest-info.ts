import { gunzipSync } from 'node:zlib';

/** A GuestInfo value as vm-operator writes it (`gzip+base64`), as text. */
export const fromGzipBase64 = (value: string): string =>
  gunzipSync(Buffer.from(value, 'base64')).toString('utf8');
