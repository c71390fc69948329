/**
 * vCenter's native key providers (vcenter.crypto_manager.kms.providers, vSphere 7.0.2 and later,
 * `/api` alone): created (`provider`, `constraints.tpm_required`), listed (`provider`, `type`
 * `NATIVE`, `health`), read (`health`, `details`, `constraints`, `type`, `native_info.key_id`),
 * updated and deleted, as govc's `kms.add -N` and `kms.rm` use them; a provider of another kind is
 * no resource here (`unsupported` to delete, not found to read). The SOAP side sees them as
 * CryptoManagerKmip providers of type `nativeProvider`. Not modelled: export and import.
 */
import type { KeyProvider } from '@vsim/vsphere';
import { bool, isObject, type Json, obj, str } from '../content/wire.js';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';

const PATH = '/vcenter/crypto-manager/kms/providers';

const summaryOf = (p: KeyProvider) => ({ provider: p.id, type: 'NATIVE', health: 'OK' });

const infoOf = (p: KeyProvider) => ({
  health: 'OK',
  details: [],
  constraints: { tpm_required: p.native?.tpmRequired === true },
  type: 'NATIVE',
  native_info: { key_id: p.native?.keyId ?? '' },
});

const bodyOf = (call: Call): Json => (isObject(call.body) ? call.body : {});

/** The body's `constraints.tpm_required`, when it has one. */
const tpmRequiredOf = (body: Json): boolean | undefined => {
  const constraints = obj(body, 'constraints', 'constraints');
  return constraints && bool(constraints, 'tpm_required', 'constraints.tpm_required');
};

/** The native provider a path names (not found for an id no native provider has). */
const providerOf = (call: Call): KeyProvider => {
  const id = call.params.provider ?? '';
  const found = call.vsphere.crypto.nativeProviders().find((p) => p.id === id);
  if (!found) throw restError('not_found', `The key provider ${id} does not exist.`);
  return found;
};

export const kmsProviderRoutes: RouteSet = (style): Route[] =>
  style !== 'api'
    ? []
    : [
        {
          method: 'POST',
          path: PATH,
          run: (call) => {
            const body = bodyOf(call);
            const provider = str(body, 'provider', 'provider', true) as string;
            call.vsphere.crypto.createNativeProvider(provider, tpmRequiredOf(body) === true);
            return { value: undefined };
          },
        },
        {
          method: 'GET',
          path: PATH,
          run: (call) => ({ value: call.vsphere.crypto.nativeProviders().map(summaryOf) }),
        },
        {
          method: 'GET',
          path: `${PATH}/:provider`,
          run: (call) => ({ value: infoOf(providerOf(call)) }),
        },
        {
          method: 'PATCH',
          path: `${PATH}/:provider`,
          run: (call) => {
            // A provider that is not there is not found, whatever the body changes.
            const provider = providerOf(call);
            const tpm = tpmRequiredOf(bodyOf(call));
            if (tpm !== undefined) call.vsphere.crypto.updateNativeProvider(provider.id, tpm);
            return { value: undefined };
          },
        },
        {
          method: 'DELETE',
          path: `${PATH}/:provider`,
          run: (call) => {
            call.vsphere.crypto.deleteNativeProvider(call.params.provider ?? '');
            return { value: undefined };
          },
        },
      ];
