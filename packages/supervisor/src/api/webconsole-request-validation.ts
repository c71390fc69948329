/**
 * VirtualMachineWebConsoleRequest validation as vm-operator's webhook does it: on create, the
 * VM's name and an RSA public key are required, the key a PEM `PUBLIC KEY` block that holds a
 * PKCS #1 key (what vm-operator encrypts the console's ticket with); on update, neither changes,
 * nor, once the controller has set it, the request's UUID label. Field paths are vm-operator's
 * own (`spec.Name`, capital N).
 */
import { createPublicKey } from 'node:crypto';
import type { VirtualMachineWebConsoleRequest } from './types.js';
import { type FieldError, IMMUTABLE, invalid, required } from './validation.js';

/** The label the controller sets to the request's uid. */
export const WEB_CONSOLE_UUID_LABEL = 'vmoperator.vmware.com/webconsolerequest-uuid';

const PEM_BLOCK = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/;

/** The DER of the first PEM block of a text, as Go's pem.Decode finds it, with its type. */
function pemBlock(text: string): { type: string; der: Buffer } | undefined {
  const match = PEM_BLOCK.exec(text);
  if (!match) return undefined;
  const body = (match[2] as string).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return { type: match[1] as string, der: Buffer.from(body, 'base64') };
}

/** The RSA key of a PEM `PUBLIC KEY` block holding PKCS #1, as vm-operator reads one; undefined otherwise. */
export function rsaPublicKeyOf(pem: string): ReturnType<typeof createPublicKey> | undefined {
  const block = pemBlock(pem);
  if (block?.type !== 'PUBLIC KEY') return undefined;
  try {
    return createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
  } catch {
    return undefined;
  }
}

function publicKeyProblems(field: string, publicKey: string | undefined): FieldError[] {
  if (!publicKey) return [required(field)];
  if (pemBlock(publicKey)?.type !== 'PUBLIC KEY') return [invalid(field, '', 'invalid public key format')];
  return rsaPublicKeyOf(publicKey) ? [] : [invalid(field, '', 'invalid public key')];
}

export function validateWebConsoleRequestCreate(request: VirtualMachineWebConsoleRequest): FieldError[] {
  return [
    ...(request.spec?.name ? [] : [required('spec.Name')]),
    ...publicKeyProblems('spec.publicKey', request.spec?.publicKey),
  ];
}

export function validateWebConsoleRequestUpdate(
  request: VirtualMachineWebConsoleRequest,
  old: VirtualMachineWebConsoleRequest,
): FieldError[] {
  const errors: FieldError[] = [];
  const name = request.spec?.name ?? '';
  if (name !== (old.spec?.name ?? '')) errors.push(invalid('spec.Name', name, IMMUTABLE));
  const publicKey = request.spec?.publicKey ?? '';
  if (publicKey !== (old.spec?.publicKey ?? '')) errors.push(invalid('spec.publicKey', publicKey, IMMUTABLE));
  const label = old.metadata.labels?.[WEB_CONSOLE_UUID_LABEL];
  const now = request.metadata.labels?.[WEB_CONSOLE_UUID_LABEL] ?? '';
  if (label && now !== label)
    errors.push(invalid(`metadata.labels[${WEB_CONSOLE_UUID_LABEL}]`, now, IMMUTABLE));
  return errors;
}
