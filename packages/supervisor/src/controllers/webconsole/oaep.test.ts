import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptOaepSha512 } from './oaep.js';

describe('RSA-OAEP with SHA-512', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const seed = (fill: number) => new Uint8Array(64).fill(fill);

  it('is what a standard OAEP-SHA-512 decryption reads back, the same for the same seed', () => {
    const message = Buffer.from('wss://DC0_H0:443/ticket/abc');
    const encrypted = encryptOaepSha512(publicKey, message, seed(7));
    expect(encrypted).toHaveLength(256);
    const decrypted = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha512' },
      encrypted,
    );
    expect(decrypted.toString()).toBe(message.toString());
    expect(encryptOaepSha512(publicKey, message, seed(7))).toEqual(encrypted);
    expect(encryptOaepSha512(publicKey, message, seed(8))).not.toEqual(encrypted);
  });

  it('refuses a message longer than the key takes, as Go does', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => encryptOaepSha512(small, Buffer.alloc(1), seed(1))).toThrow(
      'crypto/rsa: message too long for RSA key size',
    );
    expect(() => encryptOaepSha512(publicKey, Buffer.alloc(127), seed(1))).toThrow('message too long');
    expect(encryptOaepSha512(publicKey, Buffer.alloc(126), seed(1))).toHaveLength(256);
  });
});
