/**
 * The self-signed loopback certificate shipped in `certs/`, for `vsim serve`'s
 * default TLS (Node cannot generate a certificate at run time).
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Certificate {
  /** PEM. */
  cert: string;
  /** PEM (PKCS#8). Public by design: it protects nothing. */
  key: string;
}

let cached: Certificate | undefined;

/** CN=127.0.0.1, SAN IP:127.0.0.1 and DNS:localhost, valid until 2124. */
export function loopbackCertificate(): Certificate {
  if (cached === undefined) {
    const dir = join(findPackageRoot(), 'certs');
    cached = {
      cert: readFileSync(join(dir, 'loopback-cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'loopback-key.pem'), 'utf8'),
    };
  }
  return cached;
}

/**
 * Walks up to the `vsim` package's root: this module runs from `src/http/`
 * under tests and from `dist/` once bundled, so no fixed relative path fits both.
 */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isVsimManifest(manifest)) return dir;
    if (dirname(dir) === dir) throw new Error(`vsim: package root not found above ${from}`);
  }
}

function isVsimManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'vsim';
  } catch {
    return false;
  }
}
