/**
 * Web console request validation as vm-operator's webhooks do it, for VirtualMachineWebConsoleRequest
 * and v1alpha1's WebConsoleRequest alike: on create, the VM's name and an RSA public key are
 * required, the key a PEM `PUBLIC KEY` block that holds a PKCS #1 key (what vm-operator encrypts
 * the console's ticket with); on update, neither changes, nor, once the controller has set it,
 * the request's UUID label. Field paths are vm-operator's own (`spec.Name`, capital N, for
 * VirtualMachineWebConsoleRequest).
 */
import { createPublicKey } from 'node:crypto';
import type { ObjectMeta } from '../store/meta.js';
import { type FieldError, IMMUTABLE, invalid, required } from './validation.js';

/** Either kind of request: the VM named by `spec.name` or (v1alpha1) `spec.virtualMachineName`. */
export interface ConsoleRequest {
  metadata: ObjectMeta;
  spec?: { name?: string; virtualMachineName?: string; publicKey?: string };
  status?: { response?: string; expiryTime?: string; proxyAddr?: string };
}

/** Where a kind of request names its VM, and the path its webhook reports it under. */
export interface ConsoleRequestVmName {
  readonly field: 'name' | 'virtualMachineName';
  readonly path: string;
}

export const VM_WEB_CONSOLE_REQUEST_VM_NAME: ConsoleRequestVmName = { field: 'name', path: 'spec.Name' };
export const WEB_CONSOLE_REQUEST_VM_NAME: ConsoleRequestVmName = {
  field: 'virtualMachineName',
  path: 'spec.virtualMachineName',
};

/** The label the controller sets to the request's uid. */
export const WEB_CONSOLE_UUID_LABEL = 'vmoperator.vmware.com/webconsolerequest-uuid';

/**
 * The type and DER of the first PEM block of a text, as Go's pem.Decode reads one: its BEGIN
 * line at the start of a line (spaces may follow it), headers skipped, strict base64, nothing but
 * spaces after its END line; a block that does not parse is passed over for the next.
 */
function pemBlock(text: string): { type: string; der: Buffer } | undefined {
  for (let from = 0; ; ) {
    const at = text.indexOf('-----BEGIN ', from);
    if (at < 0) return undefined;
    from = at + 1;
    if (at > 0 && text[at - 1] !== '\n') continue;
    const head = /^-----BEGIN ([^\n]*?)-----[ \t]*\r?\n/.exec(text.slice(at));
    if (!head) continue;
    const type = head[1] as string;
    const bodyAt = at + head[0].length;
    const endMarker = `\n-----END ${type}-----`;
    const endAt = text.indexOf(endMarker, bodyAt - 1);
    if (endAt < 0) continue;
    const restOfEndLine = text.slice(endAt + endMarker.length).split('\n', 1)[0] ?? '';
    if (restOfEndLine.trim() !== '') continue;
    let body = text.slice(bodyAt, endAt + 1);
    // Headers (`Key: value` lines) end at a blank line.
    if (/^[^\n:]*:/.test(body)) {
      const blank = body.search(/\r?\n\r?\n/);
      if (blank < 0) continue;
      body = body.slice(body.indexOf('\n', blank + 1) + 1);
    }
    const base64 = body.replace(/[\r\n \t]/g, '');
    if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue;
    return { type, der: Buffer.from(base64, 'base64') };
  }
}

/** The RSA key of a PEM `PUBLIC KEY` block holding PKCS #1 (nothing after it), as vm-operator reads one. */
export function rsaPublicKeyOf(pem: string): ReturnType<typeof createPublicKey> | undefined {
  const block = pemBlock(pem);
  if (block?.type !== 'PUBLIC KEY') return undefined;
  try {
    const key = createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
    return key.export({ type: 'pkcs1', format: 'der' }).equals(block.der) ? key : undefined;
  } catch {
    return undefined;
  }
}

function publicKeyProblems(field: string, publicKey: string | undefined): FieldError[] {
  if (!publicKey) return [required(field)];
  if (pemBlock(publicKey)?.type !== 'PUBLIC KEY') return [invalid(field, '', 'invalid public key format')];
  return rsaPublicKeyOf(publicKey) ? [] : [invalid(field, '', 'invalid public key')];
}

export function validateWebConsoleRequestCreate(
  request: ConsoleRequest,
  vmName = VM_WEB_CONSOLE_REQUEST_VM_NAME,
): FieldError[] {
  return [
    ...(request.spec?.[vmName.field] ? [] : [required(vmName.path)]),
    ...publicKeyProblems('spec.publicKey', request.spec?.publicKey),
  ];
}

export function validateWebConsoleRequestUpdate(
  request: ConsoleRequest,
  old: ConsoleRequest,
  vmName = VM_WEB_CONSOLE_REQUEST_VM_NAME,
): FieldError[] {
  const errors: FieldError[] = [];
  const name = request.spec?.[vmName.field] ?? '';
  if (name !== (old.spec?.[vmName.field] ?? '')) errors.push(invalid(vmName.path, name, IMMUTABLE));
  const publicKey = request.spec?.publicKey ?? '';
  if (publicKey !== (old.spec?.publicKey ?? '')) errors.push(invalid('spec.publicKey', publicKey, IMMUTABLE));
  const label = old.metadata.labels?.[WEB_CONSOLE_UUID_LABEL];
  const now = request.metadata.labels?.[WEB_CONSOLE_UUID_LABEL] ?? '';
  if (label && now !== label)
    errors.push(invalid(`metadata.labels[${WEB_CONSOLE_UUID_LABEL}]`, now, IMMUTABLE));
  return errors;
}
