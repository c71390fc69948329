/**
 * Sysprep, as vm-operator bootstraps a Windows VM with it: a vSphere guest customization before
 * the power-on, from the structured `sysprep` (its passwords and product key from Secrets) or
 * from a raw unattend XML (`rawSysprep`), with the network as LinuxPrep has it.
 */
import type { CustomizationSpec } from '@vsim/vsphere';
import { hostNameOf } from '../../api/host-name.js';
import type { Sysprep, VirtualMachine } from '../../api/types.js';
import { BootstrapDataError, tryDecodeBase64Gzip } from './bootstrap-data.js';
import { renderTemplate } from './bootstrap-template.js';
import { customizationNetwork, templateNetwork } from './guest-network.js';
import type { NicAddressing } from './network.js';
import type { BootstrapSecretData, GlobalDns } from './prerequisites.js';
import { vcdParityFields } from './vcd-parity.js';

/** The key of a raw Sysprep Secret that holds the unattend XML when the selector names none. */
const UNATTEND_KEY = 'unattend';

/** UTC in Microsoft's time zone indexes: a Sysprep without `guiUnattended` gets it. */
const UTC_TIME_ZONE = 85;

/** A password from a Secret, as the field named, when there is one. */
const password = (field: string, value: string | undefined) =>
  value ? { [field]: { _type: 'CustomizationPassword', value, plainText: true } } : {};

/** The structured Sysprep as vSphere's CustomizationSysprep, with what its Secrets hold. */
function sysprepIdentity(
  vm: VirtualMachine,
  from: Sysprep,
  secrets: NonNullable<BootstrapSecretData['sysprep']>,
  vcdParity: boolean,
) {
  const gui = from.guiUnattended;
  const identification = from.identification;
  const license = from.licenseFilePrintData;
  return {
    _type: 'CustomizationSysprep',
    guiUnattended: {
      _type: 'CustomizationGuiUnattended',
      timeZone: gui ? (gui.timeZone ?? 0) : UTC_TIME_ZONE,
      autoLogon: gui?.autoLogon ?? false,
      autoLogonCount: gui?.autoLogonCount ?? 0,
      ...(gui ? password('password', secrets.password) : {}),
    },
    userData: {
      _type: 'CustomizationUserData',
      fullName: from.userData?.fullName ?? '',
      orgName: from.userData?.orgName ?? '',
      computerName: { _type: 'CustomizationFixedName', name: hostNameOf(vm).name },
      productId: secrets.productID ?? '',
    },
    ...(from.guiRunOnce
      ? {
          guiRunOnce: {
            _type: 'CustomizationGuiRunOnce',
            ...(from.guiRunOnce.commands ? { commandList: from.guiRunOnce.commands } : {}),
          },
        }
      : {}),
    identification: {
      _type: 'CustomizationIdentification',
      ...(identification?.joinWorkgroup ? { joinWorkgroup: identification.joinWorkgroup } : {}),
      ...(identification && vm.spec?.network?.domainName ? { joinDomain: vm.spec.network.domainName } : {}),
      ...(identification?.domainAdmin ? { domainAdmin: identification.domainAdmin } : {}),
      ...(identification?.domainOU ? { domainOU: identification.domainOU } : {}),
      ...(identification ? password('domainAdminPassword', secrets.domainPassword) : {}),
    },
    ...(license
      ? {
          licenseFilePrintData: {
            _type: 'CustomizationLicenseFilePrintData',
            autoMode:
              license.autoMode === 'perSeat' || license.autoMode === 'perServer' ? license.autoMode : '',
            ...(license.autoUsers !== undefined ? { autoUsers: license.autoUsers } : {}),
          },
        }
      : {}),
    ...(vcdParity ? vcdParityFields(vm, from.expirePasswordAfterNextLogin, secrets.scriptText) : {}),
  };
}

/**
 * The customization vm-operator's Sysprep asks vSphere for. A raw unattend XML comes as it is
 * once base64 and gzip are undone; a Secret without it fails the customization, as in
 * vm-operator.
 */
export function sysprepCustomization(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
  secrets: BootstrapSecretData,
  vcdParity = false,
): CustomizationSpec {
  const spec = vm.spec?.bootstrap?.sysprep ?? {};
  let identity: CustomizationSpec['identity'];
  if (spec.rawSysprep) {
    const key = spec.rawSysprep.key || UNATTEND_KEY;
    const data = secrets.rawSysprep?.[key];
    if (!data || data.length === 0)
      throw new BootstrapDataError(`no Sysprep XML data with key ${JSON.stringify(key)}`);
    let xml: Buffer;
    try {
      xml = tryDecodeBase64Gzip(data);
    } catch (error) {
      throw new BootstrapDataError(`decoding Sysprep unattend XML failed: ${(error as Error).message}`);
    }
    // vm-operator renders the XML as a template over the VM's network (see bootstrap-template).
    const value = renderTemplate(xml.toString('utf8'), () => templateNetwork(vm, nics, dns), vm);
    identity = { _type: 'CustomizationSysprepText', value };
  } else if (spec.sysprep) identity = sysprepIdentity(vm, spec.sysprep, secrets.sysprep ?? {}, vcdParity);
  else throw new BootstrapDataError('no Sysprep data');
  return { identity, ...customizationNetwork(vm, nics, dns) };
}
