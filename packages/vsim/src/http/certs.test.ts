import { createPrivateKey, X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPackageRoot, loopbackCertificate } from './certs.js';

const packageDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

describe('loopbackCertificate', () => {
  it('is a loopback certificate valid for a century, with its key', () => {
    const { cert, key } = loopbackCertificate();
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('CN=127.0.0.1');
    expect(x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(x509.ca).toBe(false);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(new Date(x509.validFrom).getTime()).toBeLessThanOrEqual(Date.parse('2025-01-02'));
    expect(new Date(x509.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2124);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it('reads the files once', () => {
    expect(loopbackCertificate()).toBe(loopbackCertificate());
  });
});

describe('findPackageRoot', () => {
  it('finds the package from the source tree and from the build output', () => {
    expect(findPackageRoot()).toBe(packageDir);
    expect(findPackageRoot(join(packageDir, 'dist'))).toBe(packageDir);
  });

  it('fails clearly outside the package', () => {
    expect(() => findPackageRoot('/')).toThrow(/package root not found/);
  });
});
