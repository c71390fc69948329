/**
 * RSA-OAEP with SHA-512 and MGF1-SHA-512 (RFC 8017, 7.1.1), how vm-operator encrypts a console
 * ticket, made here with a seed the caller gives: the simulator's seeded random, so that the same
 * seed gives the same response (Node's own OAEP draws its seed from the system). The key is then
 * applied raw.
 */
import { constants, createHash, type KeyObject, publicEncrypt } from 'node:crypto';

const HASH_BYTES = 64;

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** The hash of OAEP's empty label. */
const LABEL_HASH = sha512();

/** MGF1: `length` bytes of mask from a seed. */
function mgf1(seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let filled = 0, i = 0; filled < length; i++) {
    counter.writeUInt32BE(i);
    filled += sha512(seed, counter).copy(out, filled);
  }
  return out;
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer =>
  Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));

/** The message encrypted for the key; `seed` is 64 random bytes. Throws as Go's rsa package does when it does not fit. */
export function encryptOaepSha512(key: KeyObject, message: Uint8Array, seed: Uint8Array): Buffer {
  const size = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (message.length > size - 2 * HASH_BYTES - 2)
    throw new Error('crypto/rsa: message too long for RSA key size');
  if (seed.length !== HASH_BYTES) throw new RangeError(`the seed is ${HASH_BYTES} bytes`);
  // DB = lHash || PS (zeros) || 0x01 || M, then masked with the seed, and the seed with it.
  const block = Buffer.alloc(size - HASH_BYTES - 1);
  LABEL_HASH.copy(block);
  block[block.length - message.length - 1] = 1;
  block.set(message, block.length - message.length);
  const maskedBlock = xor(block, mgf1(seed, block.length));
  const maskedSeed = xor(seed, mgf1(maskedBlock, HASH_BYTES));
  const encoded = Buffer.concat([Buffer.alloc(1), maskedSeed, maskedBlock]);
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, encoded);
}
