import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VirtualMachineWebConsoleRequest } from './types.js';
import { validateWebConsoleRequestCreate } from './webconsole-request-validation.js';

const der = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'pkcs1', format: 'der' })
  .toString('base64');
const lines = (base64: string) => base64.match(/.{1,64}/g)?.join('\n') ?? '';
const block = (body: string, begin = '-----BEGIN PUBLIC KEY-----', end = '-----END PUBLIC KEY-----') =>
  `${begin}\n${body}\n${end}\n`;

const problems = (publicKey: string) =>
  validateWebConsoleRequestCreate({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineWebConsoleRequest',
    metadata: { name: 'r', namespace: 'ns1' },
    spec: { name: 'vm1', publicKey },
  } as VirtualMachineWebConsoleRequest).map((e) => e.message);

const FORMAT = ['Invalid value: "": invalid public key format'];
const KEY = ['Invalid value: "": invalid public key'];

describe("a web console request's public key, read as Go's pem and x509 packages read it", () => {
  it.each([
    ['a PKCS #1 key', block(lines(der)), []],
    ['headers before the base64', block(`Proc-Type: 4,ENCRYPTED\nComment: x\n\n${lines(der)}`), []],
    ['spaces after the BEGIN line', block(lines(der), '-----BEGIN PUBLIC KEY-----  '), []],
    [
      'a first block that does not parse, then a good one',
      `-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n${block(lines(der))}`,
      [],
    ],
    ['text after the END line', block(lines(der), undefined, '-----END PUBLIC KEY----- trailing'), FORMAT],
    ['base64 of the wrong length', block(lines(`${der}A`)), FORMAT],
    [
      'another block type',
      block(lines(der), '-----BEGIN RSA PUBLIC KEY-----', '-----END RSA PUBLIC KEY-----'),
      FORMAT,
    ],
    ['no PEM at all', 'ssh-rsa AAAA', FORMAT],
    [
      'a DER with a byte more',
      block(lines(Buffer.concat([Buffer.from(der, 'base64'), Buffer.alloc(1)]).toString('base64'))),
      KEY,
    ],
    [
      'an SPKI key',
      block(
        lines(
          generateKeyPairSync('rsa', { modulusLength: 2048 })
            .publicKey.export({ type: 'spki', format: 'der' })
            .toString('base64'),
        ),
      ),
      KEY,
    ],
  ])('%s', (_, pem, expected) => {
    expect(problems(pem)).toEqual(expected);
  });
});
