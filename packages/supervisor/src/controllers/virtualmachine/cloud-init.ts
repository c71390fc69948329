/**
 * Cloud-init through GuestInfo, as vm-operator hands it to a VM: `guestinfo.metadata` (the
 * instance id, the host name, the network as netplan, the SSH keys) and `guestinfo.userdata`,
 * each gzipped and base64-encoded, in the VM's extra config.
 */
import { hash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CLOUD_INIT_INSTANCE_ID_ANNOTATION } from '../../api/annotations.js';
import { hostNameOf } from '../../api/host-name.js';
import type { VirtualMachine, VirtualMachineNetworkVLANSpec } from '../../api/types.js';
import { tryDecodeBase64Gzip } from './bootstrap-data.js';
import { cloudConfigDocument } from './cloud-config.js';
import { type InterfaceBootstrap, interfaceBootstrap, supervisorDns } from './guest-network.js';
import type { NicAddressing } from './network.js';
import type { BootstrapSecretData, CloudConfigSecrets, GlobalDns } from './prerequisites.js';
import { toYaml, type YamlValue } from './yaml.js';

/** The cloud-init bootstrap a VM is deployed with, if any (none while disabled). */
export const cloudInitOf = (vm: VirtualMachine) => {
  const bootstrap = vm.spec?.bootstrap;
  return bootstrap?.disabled ? undefined : bootstrap?.cloudInit;
};

const CLOUD_INIT_ENCODING = 'gzip+base64';

/** netplan's version 2 network, keyed by interface name. */
function netplan(bootstraps: readonly InterfaceBootstrap[], vlans: readonly VirtualMachineNetworkVLANSpec[]) {
  const ethernets: Record<string, YamlValue> = {};
  for (const b of bootstraps) {
    const ethernet: Record<string, YamlValue> = {
      match: { macaddress: b.macAddress },
      'set-name': b.guestDeviceName,
      nameservers: {
        ...(b.nameservers.length ? { addresses: b.nameservers } : {}),
        ...(b.searchDomains.length ? { search: b.searchDomains } : {}),
      },
      dhcp4: b.dhcp4,
      dhcp6: b.dhcp6,
      // net-operator has no router-advertisement setting of its own: it follows DHCPv6.
      'accept-ra': b.dhcp6,
    };
    if (b.mtu > 0) ethernet.mtu = b.mtu;
    const addresses: string[] = [];
    for (const ipv4 of [true, false]) {
      if (ipv4 ? b.dhcp4 : b.dhcp6) continue;
      const family = b.ipConfigs.filter((ip) => ip.ipv4 === ipv4);
      const gateway = family.find((ip) => ip.gateway)?.gateway;
      if (gateway) ethernet[ipv4 ? 'gateway4' : 'gateway6'] = gateway;
      addresses.push(...family.map((ip) => ip.cidr));
    }
    if (addresses.length) ethernet.addresses = addresses;
    if (b.routes.length)
      ethernet.routes = b.routes.map((route) => ({
        to: route.to,
        via: route.via,
        ...(route.metric ? { metric: route.metric } : {}),
      }));
    ethernets[b.name] = ethernet;
  }
  const out: Record<string, YamlValue> = { version: 2 };
  if (bootstraps.length) out.ethernets = ethernets;
  if (vlans.length)
    out.vlans = Object.fromEntries(
      vlans.map((vlan) => [
        vlan.name,
        { id: vlan.id, link: vlan.link, dhcp4: false, dhcp6: false, 'accept-ra': false },
      ]),
    );
  return out;
}

/** cloud-init's metadata document for the VM: what vm-operator writes in `guestinfo.metadata`. */
export function cloudInitMetadata(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  publicKeys: string,
  dns: () => GlobalDns,
): string {
  const bootstraps = nics.map((nic) => interfaceBootstrap(vm, nic));
  supervisorDns(vm, bootstraps, 'cloudInit', dns);
  const cloudInit = vm.spec?.bootstrap?.cloudInit;
  const network = vm.spec?.network;
  const hostName = hostNameOf(vm).name;
  const fqdn = network?.domainName ? `${hostName}.${network.domainName}` : hostName;
  // An instance id kept in this annotation (VMs deployed before the field existed) wins.
  const kept = vm.metadata.annotations?.[CLOUD_INIT_INSTANCE_ID_ANNOTATION];
  const metadata: Record<string, YamlValue> = {
    'instance-id': kept || cloudInit?.instanceID || (vm.metadata.uid as string),
    'local-hostname': fqdn,
    hostname: fqdn,
    network: netplan(bootstraps, network?.vlans ?? []),
  };
  if (publicKeys) metadata['public-keys'] = publicKeys;
  const { waitOnNetwork4, waitOnNetwork6 } = cloudInit ?? {};
  if (waitOnNetwork4 != null || waitOnNetwork6 != null)
    metadata['wait-on-network'] = {
      ...(waitOnNetwork4 ? { ipv4: true } : {}),
      ...(waitOnNetwork6 ? { ipv6: true } : {}),
    };
  return toYaml(metadata);
}

/** User data as the guest gets it (see tryDecodeBase64Gzip). */
function plainUserData(data: Buffer): Buffer {
  try {
    return tryDecodeBase64Gzip(data);
  } catch (error) {
    throw new Error(`decoding cloud-init userdata failed: ${(error as Error).message}`);
  }
}

const NO_SECRETS: CloudConfigSecrets = { users: new Map(), writeFiles: new Map() };
const gzipBase64 = (data: string | Buffer) => gzipSync(data).toString('base64');

/** How a GuestInfo document (`metadata`, `userdata`) is encoded: gzip, then base64. */
export type GuestInfoEncoder = (document: 'metadata' | 'userdata', data: string | Buffer) => string;

/**
 * Each VM's GuestInfo documents as last encoded, by a digest of their text: every update
 * pass makes them again to compare with the VM's (as vm-operator's does), and one unchanged
 * is not compressed again.
 */
export class GuestInfoEncodings {
  readonly #byVm = new Map<string, { metadata?: Encoded; userdata?: Encoded }>();

  /**
   * The hash of a VM's bootstrap config spec, 64 bits in hex as vm-operator's (xxHash64 of Go's
   * JSON of it; here, of the spec with each of the VM's encoded documents in it as its digest).
   */
  hashOf(key: string, spec: CloudInitConfigSpec): string {
    const encoded = this.#byVm.get(key);
    const digestOf = (value: string) =>
      value === encoded?.metadata?.value
        ? encoded.metadata.digest
        : value === encoded?.userdata?.value
          ? encoded.userdata.digest
          : value;
    const parts: (string | boolean)[] = [spec.vAppConfigRemoved];
    for (const option of spec.extraConfig) parts.push(option.key, digestOf(option.value));
    return hash('sha1', JSON.stringify(parts), 'hex').slice(0, 16);
  }

  /** The encoder of a VM's documents. */
  of(key: string): GuestInfoEncoder {
    return (document, data) => {
      const digest = hash('sha1', data, 'base64');
      const last = this.#byVm.get(key);
      const made = last?.[document];
      if (made?.digest === digest) return made.value;
      const value = gzipBase64(data);
      if (last) last[document] = { digest, value };
      else this.#byVm.set(key, { [document]: { digest, value } });
      return value;
    };
  }

  /** Forgets a VM that is gone. */
  forget(key: string): void {
    this.#byVm.delete(key);
  }
}

/** The annotation of the hash of the bootstrap config spec a VM was last reconfigured with. */
export const BOOTSTRAP_CONFIG_HASH_ANNOTATION = 'vmoperator.vmware.com/bootstrap-hash-configspec';

/**
 * What vm-operator's cloud-init bootstrap reconfigures a VM with: the GuestInfo that differs from
 * the VM's, and its vApp options removed while it has some (so that cloud-init does not prefer
 * the OVF datasource); nothing of either once the VM has its bootstrap.
 */
export interface CloudInitConfigSpec {
  readonly extraConfig: readonly { readonly key: string; readonly value: string }[];
  readonly vAppConfigRemoved: boolean;
}

/** The spec of a VM that has its bootstrap, whose hash every such VM records. */
export const BOOTSTRAPPED: CloudInitConfigSpec = { extraConfig: [], vAppConfigRemoved: false };

interface Encoded {
  readonly digest: string;
  readonly value: string;
}

/** The extra config of a VM bootstrapped by cloud-init through GuestInfo. */
export function cloudInitGuestInfo(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  secret: BootstrapSecretData,
  dns: () => GlobalDns,
  encode: GuestInfoEncoder = (_, data) => gzipBase64(data),
): { key: string; value: string }[] {
  const keys = vm.spec?.bootstrap?.cloudInit?.sshAuthorizedKeys;
  const publicKeys = keys?.length ? keys.join('\n') : (secret.sshPublicKeys ?? '');
  const extraConfig = [
    { key: 'guestinfo.metadata', value: encode('metadata', cloudInitMetadata(vm, nics, publicKeys, dns)) },
    { key: 'guestinfo.metadata.encoding', value: CLOUD_INIT_ENCODING },
  ];
  const cooked = vm.spec?.bootstrap?.cloudInit?.cloudConfig;
  const userData = cooked
    ? Buffer.from(cloudConfigDocument(cooked, secret.cloudConfig ?? NO_SECRETS))
    : secret.userData;
  const plain = userData && plainUserData(userData);
  if (plain?.length)
    extraConfig.push(
      { key: 'guestinfo.userdata', value: encode('userdata', plain) },
      { key: 'guestinfo.userdata.encoding', value: CLOUD_INIT_ENCODING },
    );
  return extraConfig;
}
