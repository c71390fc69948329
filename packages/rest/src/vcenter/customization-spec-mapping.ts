/**
 * The vAPI's guest CustomizationSpec (vcenter.guest) read from a request and turned into vim25's
 * (LinuxPrep, Sysprep or SysprepText, globalIPSettings, nicSettingMap), and vim25's turned back
 * into the vAPI's, for the saved specs' routes (customization-specs.ts). Both directions sit in
 * this one module, so that each vAPI field is read where it is written. What the vim25 of the
 * SOAP facade (to 7.0) has no field for (`cloud_config`, `domain_ou`,
 * `compatible_customization_method`) is refused rather than dropped.
 */
import {
  type CustomizationSpec,
  type CustomizationSpecInfo,
  ipv4Mask,
  ipv4PrefixLength,
  isIpv4,
  isIpv6,
} from '@vsim/vsphere';
import { int, invalid, isObject, type Json, obj, str } from '../content/wire.js';
import { restError } from '../errors.js';
import type { StyleName } from '../styles.js';

/** Fields the IDL spells in mixed case, as `/rest` keeps them; `/api` writes them in lower case. */
export const SPELLING = {
  osType: { api: 'os_type', rest: 'OS_type' },
  globalDns: { api: 'global_dns_settings', rest: 'global_DNS_settings' },
  netBios: { api: 'net_bios_mode', rest: 'net_BIOS_mode' },
} as const;
type Spelling = Readonly<Record<StyleName, string>>;

// vAPI enumerations and the vim25 values they stand for.
const NAME_TYPES = {
  FIXED: 'CustomizationFixedName',
  PREFIX: 'CustomizationPrefixName',
  VIRTUAL_MACHINE: 'CustomizationVirtualMachineName',
  USER_INPUT_REQUIRED: 'CustomizationUnknownName',
} as const;
const IPV4_TYPES = {
  DHCP: 'CustomizationDhcpIpGenerator',
  STATIC: 'CustomizationFixedIp',
  USER_INPUT_REQUIRED: 'CustomizationUnknownIpGenerator',
} as const;
const IPV6_TYPES = {
  DHCP: 'CustomizationDhcpIpV6Generator',
  STATIC: 'CustomizationFixedIpV6',
  USER_INPUT_REQUIRED: 'CustomizationUnknownIpV6Generator',
} as const;
const REBOOT = { REBOOT: 'reboot', NO_REBOOT: 'noreboot', SHUTDOWN: 'shutdown' } as const;
const NET_BIOS = {
  USE_DHCP: 'enableNetBIOSViaDhcp',
  ENABLE: 'enableNetBIOS',
  DISABLE: 'disableNetBIOS',
} as const;
const DOMAIN_TYPES = ['WORKGROUP', 'DOMAIN'] as const;
/** vim25 generators the vAPI has no word for, read as the nearest: computed elsewhere, or dynamic. */
const NEAREST: Readonly<Record<string, string>> = {
  CustomizationCustomName: 'USER_INPUT_REQUIRED',
  CustomizationCustomIpGenerator: 'USER_INPUT_REQUIRED',
  CustomizationCustomIpV6Generator: 'USER_INPUT_REQUIRED',
  CustomizationAutoIpV6Generator: 'DHCP',
  CustomizationStatelessIpV6Generator: 'DHCP',
};

/** The vAPI value a vim25 one stands for in `table`. */
const vapiOf = (table: Readonly<Record<string, string>>, vim: string | undefined): string | undefined =>
  vim === undefined ? undefined : (Object.keys(table).find((key) => table[key] === vim) ?? NEAREST[vim]);

/** An object without its undefined fields: an unset optional field is left out on both sides. */
const defined = (fields: Json): Json =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

// ---- reading a vAPI spec ----------------------------------------------------------------

/** An object of the request body, with the wire names of its fields for the error messages. */
export interface Node {
  readonly json: Json;
  readonly style: StyleName;
  readonly name: (key: string) => string;
}

const within = (parent: Node, key: string, json: Json): Node => ({
  json,
  style: parent.style,
  name: (field) => `${parent.name(key)}.${field}`,
});

const optional = (node: Node, key: string): Node | undefined => {
  const json = obj(node.json, key, node.name(key));
  return json && within(node, key, json);
};

export const required = (node: Node, key: string): Node =>
  within(node, key, obj(node.json, key, node.name(key), true) as Json);

const isSet = (node: Node, key: string) => node.json[key] !== undefined && node.json[key] !== null;

/** A list of objects the type requires (an empty one will do). */
const items = (node: Node, key: string): Node[] => {
  const value = node.json[key];
  if (!Array.isArray(value) || !value.every(isObject))
    throw invalid(node.name(key), 'must be a list of objects');
  return value.map((json, i) => within(node, `${key}[${i}]`, json));
};

export const text = (node: Node, key: string, needed = false) => str(node.json, key, node.name(key), needed);

/** A string the type requires which may be empty (a description, a product key). */
export const present = (node: Node, key: string): string => {
  const value = text(node, key);
  if (value === undefined) throw invalid(node.name(key));
  return value;
};

/** An address family: which strings are of it, and its name in messages. */
interface Family {
  readonly test: (text: string) => boolean;
  readonly what: string;
}
const IPV4: Family = { test: isIpv4, what: 'IPv4 addresses' };
const IPV6: Family = { test: isIpv6, what: 'IPv6 addresses' };

const notOf = (node: Node, key: string, family: Family, value: string) =>
  invalid(node.name(key), `must hold ${family.what}, not '${value}'`);

/** An address field of `family`. */
const address = (node: Node, key: string, family: Family, needed = false) => {
  const value = text(node, key, needed);
  if (value !== undefined && !family.test(value)) throw notOf(node, key, family, value);
  return value;
};

/** A list of strings, of addresses of `family` if given. */
const texts = (node: Node, key: string, family?: Family): string[] | undefined => {
  const value = node.json[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string'))
    throw invalid(node.name(key), 'must be a list of strings');
  const bad = family && value.find((s) => !family.test(s));
  if (family && bad !== undefined) throw notOf(node, key, family, bad);
  return value;
};

const number = (node: Node, key: string, needed: boolean, max = Number.MAX_SAFE_INTEGER) => {
  const value = int(node.json, key, node.name(key));
  if (value === undefined && needed) throw invalid(node.name(key));
  if (value !== undefined && value > max) throw invalid(node.name(key), `must be at most ${max}`);
  return value;
};

const flag = (node: Node, key: string): boolean => {
  const value = node.json[key];
  if (typeof value !== 'boolean') throw invalid(node.name(key), 'must be a boolean');
  return value;
};

/** An enumeration's value, one of `values`. */
const choice = <T extends string>(node: Node, key: string, values: readonly T[], needed = false) => {
  const value = text(node, key, needed);
  if (value !== undefined && !(values as readonly string[]).includes(value))
    throw invalid(node.name(key), `must be one of ${values.join(', ')}`);
  return value as T | undefined;
};

/** A union's `type`, one of `table`'s keys, with the vim25 type it stands for. */
const kindOf = <T extends Readonly<Record<string, string>>>(node: Node, table: T) => {
  const type = choice(node, 'type', Object.keys(table), true) as keyof T & string;
  return { type, _type: table[type] as string };
};

/** An enumeration's vim25 value, by `table`. */
const mapped = <T extends Readonly<Record<string, string>>>(node: Node, key: string, table: T) => {
  const value = choice(node, key, Object.keys(table));
  return value === undefined ? undefined : table[value];
};

/** The key under which the body spells a field the styles spell differently (its own first). */
const spelled = (node: Node, spelling: Spelling): string => {
  const other = spelling[node.style === 'api' ? 'rest' : 'api'];
  return isSet(node, spelling[node.style]) || !isSet(node, other) ? spelling[node.style] : other;
};

/** The one of `keys` a union-like structure sets; invalid_argument when it sets none or more. */
const oneOf = (node: Node, keys: readonly string[]): string => {
  const set = keys.filter((key) => isSet(node, key));
  if (set.length !== 1) {
    const names = keys.map(node.name);
    throw restError(
      'invalid_argument',
      `Exactly one of ${names.map((n) => `'${n}'`).join(' and ')} must be set.`,
      'com.vmware.vapi.std.errors.invalid_argument',
      names,
    );
  }
  return set[0] as string;
};

/** A field of a later API that vim25 to 7.0 cannot hold: refused rather than dropped. */
const unserved = (node: Node, key: string, what: string) => {
  if (isSet(node, key)) throw invalid(node.name(key), `is not supported (${what} are not served)`);
};

const secret = (value: string | undefined) =>
  value === undefined ? undefined : { _type: 'CustomizationPassword', value, plainText: true };

// ---- vAPI -> vim25 -----------------------------------------------------------------------

/** HostnameGenerator -> CustomizationName. */
const nameToVim = (node: Node): Json => {
  const { type, _type } = kindOf(node, NAME_TYPES);
  if (type === 'FIXED') return { _type, name: text(node, 'fixed_name', true) };
  if (type === 'PREFIX') return { _type, base: text(node, 'prefix', true) };
  return { _type };
};

/** LinuxConfiguration -> CustomizationLinuxPrep. */
const linuxToVim = (node: Node): Json => {
  unserved(node, 'compatible_customization_method', 'compatible customization methods');
  return defined({
    _type: 'CustomizationLinuxPrep',
    hostName: nameToVim(required(node, 'hostname')),
    domain: text(node, 'domain', true),
    timeZone: text(node, 'time_zone'),
    scriptText: text(node, 'script_text'),
  });
};

/** Domain -> CustomizationIdentification: a workgroup, a domain with its administrator, or neither. */
const identificationToVim = (node: Node | undefined): Json => {
  const _type = 'CustomizationIdentification';
  if (node === undefined) return { _type };
  unserved(node, 'domain_ou', 'organizational units');
  if (choice(node, 'type', DOMAIN_TYPES, true) === 'WORKGROUP')
    return { _type, joinWorkgroup: text(node, 'workgroup', true) };
  return {
    _type,
    joinDomain: text(node, 'domain', true),
    domainAdmin: text(node, 'domain_username', true),
    domainAdminPassword: secret(text(node, 'domain_password', true)),
  };
};

/** WindowsSysprep -> CustomizationSysprep. */
const sysprepToVim = (node: Node): Json => {
  const user = required(node, 'user_data');
  const gui = required(node, 'gui_unattended');
  const commands = texts(node, 'gui_run_once_commands');
  return defined({
    _type: 'CustomizationSysprep',
    guiUnattended: defined({
      _type: 'CustomizationGuiUnattended',
      password: secret(text(gui, 'password')),
      timeZone: number(gui, 'time_zone', true),
      autoLogon: flag(gui, 'auto_logon'),
      autoLogonCount: number(gui, 'auto_logon_count', true),
    }),
    userData: {
      _type: 'CustomizationUserData',
      fullName: present(user, 'full_name'),
      orgName: present(user, 'organization'),
      computerName: nameToVim(required(user, 'computer_name')),
      productId: present(user, 'product_key'),
    },
    guiRunOnce: commands && { _type: 'CustomizationGuiRunOnce', commandList: commands },
    identification: identificationToVim(optional(node, 'domain')),
  });
};

/**
 * WindowsConfiguration -> CustomizationWinOptions (a new SID, accounts kept, as vCenter's own
 * default) and CustomizationSysprep, or CustomizationSysprepText for `sysprep_xml`.
 */
const windowsToVim = (node: Node): Json => ({
  options: defined({
    _type: 'CustomizationWinOptions',
    changeSID: true,
    deleteAccounts: false,
    reboot: mapped(node, 'reboot', REBOOT),
  }),
  identity:
    oneOf(node, ['sysprep', 'sysprep_xml']) === 'sysprep'
      ? sysprepToVim(required(node, 'sysprep'))
      : { _type: 'CustomizationSysprepText', value: text(node, 'sysprep_xml') },
});

/** Ipv4 -> the adapter's `ip`, `subnetMask` (from the prefix) and `gateway`. */
const ipv4ToVim = (node: Node | undefined): Json => {
  // An adapter without IPv4 settings must still name a generator in vim25: DHCP.
  if (node === undefined) return { ip: { _type: IPV4_TYPES.DHCP } };
  const { type, _type } = kindOf(node, IPV4_TYPES);
  const fixed = type === 'STATIC';
  const prefix = number(node, 'prefix', fixed, 32);
  return defined({
    ip: defined({
      _type,
      ipAddress: fixed ? address(node, 'ip_address', IPV4, true) : undefined,
    }),
    subnetMask: prefix === undefined ? undefined : ipv4Mask(prefix),
    gateway: texts(node, 'gateways', IPV4),
  });
};

/** Ipv6 -> CustomizationIPSettingsIpV6AddressSpec: a fixed address per entry, or one generator. */
const ipv6ToVim = (node: Node): Json => {
  const { type, _type } = kindOf(node, IPV6_TYPES);
  const fixed = type === 'STATIC' ? items(node, 'ipv6') : [];
  if (type === 'STATIC' && fixed.length === 0) throw invalid(node.name('ipv6'), 'must list an address');
  return defined({
    _type: 'CustomizationIPSettingsIpV6AddressSpec',
    ip:
      type === 'STATIC'
        ? fixed.map((a) => ({
            _type,
            ipAddress: address(a, 'ip_address', IPV6, true),
            subnetMask: number(a, 'prefix', true, 128),
          }))
        : [{ _type }],
    gateway: texts(node, 'gateways', IPV6),
  });
};

/** WindowsNetworkAdapterSettings -> the adapter's DNS, WINS and NetBIOS settings. */
const windowsAdapterToVim = (node: Node | undefined): Json => {
  if (node === undefined) return {};
  const wins = texts(node, 'wins_servers');
  if (wins && wins.length > 2) throw invalid(node.name('wins_servers'), 'must list at most two servers');
  return {
    dnsServerList: texts(node, 'dns_servers'),
    dnsDomain: text(node, 'dns_domain'),
    primaryWINS: wins?.[0],
    secondaryWINS: wins?.[1],
    netBIOS: mapped(node, spelled(node, SPELLING.netBios), NET_BIOS),
  };
};

/** IPSettings -> CustomizationIPSettings. */
const adapterToVim = (node: Node): Json => {
  const ipv6 = optional(node, 'ipv6');
  return defined({
    _type: 'CustomizationIPSettings',
    ...ipv4ToVim(optional(node, 'ipv4')),
    ipV6Spec: ipv6 && ipv6ToVim(ipv6),
    ...windowsAdapterToVim(optional(node, 'windows')),
  });
};

/** The vAPI's CustomizationSpec as vim25's, with the OS type its configuration says. */
export const specToVim = (node: Node): { type: CustomizationSpecInfo['type']; spec: CustomizationSpec } => {
  const config = required(node, 'configuration_spec');
  unserved(config, 'cloud_config', 'cloud-init specs');
  const dns = required(node, spelled(node, SPELLING.globalDns));
  const linux = oneOf(config, ['linux_config', 'windows_config']) === 'linux_config';
  const os = linux
    ? { identity: linuxToVim(required(config, 'linux_config')) }
    : windowsToVim(required(config, 'windows_config'));
  const spec = {
    _type: 'CustomizationSpec',
    ...os,
    globalIPSettings: defined({
      _type: 'CustomizationGlobalIPSettings',
      dnsSuffixList: texts(dns, 'dns_suffix_list'),
      dnsServerList: texts(dns, 'dns_servers'),
    }),
    nicSettingMap: items(node, 'interfaces').map((nic) =>
      defined({
        _type: 'CustomizationAdapterMapping',
        macAddress: text(nic, 'mac_address'),
        adapter: adapterToVim(required(nic, 'adapter')),
      }),
    ),
  };
  return { type: linux ? 'Linux' : 'Windows', spec: spec as unknown as CustomizationSpec };
};

// ---- vim25 -> vAPI -----------------------------------------------------------------------

// The vim25 shapes read here, as SOAP decodes them or as this module writes them.
type VimName = { _type?: string; name?: string; base?: string };
type VimPassword = { value?: string; plainText?: boolean };
type VimGui = { password?: VimPassword; timeZone?: number; autoLogon?: boolean; autoLogonCount?: number };
type VimUser = { fullName?: string; orgName?: string; computerName?: VimName; productId?: string };
type VimDomain = {
  joinWorkgroup?: string;
  joinDomain?: string;
  domainAdmin?: string;
  domainAdminPassword?: VimPassword;
};
type VimLinuxPrep = { hostName?: VimName; domain?: string; timeZone?: string; scriptText?: string };
type VimSysprep = { guiUnattended?: VimGui; userData?: VimUser; guiRunOnce?: { commandList?: string[] } };
/** LinuxPrep, Sysprep or SysprepText (its `value`). */
type VimIdentity = VimLinuxPrep & VimSysprep & { _type: string; identification?: VimDomain; value?: string };
type VimIp = { _type?: string; ipAddress?: string; subnetMask?: number };
type VimIpV6 = { ip?: VimIp[]; gateway?: string[] };
type VimIpv4 = { ip?: VimIp; subnetMask?: string; gateway?: string[] };
type VimWindowsNic = { dnsServerList?: string[]; dnsDomain?: string; primaryWINS?: string };
type VimIpSettings = VimIpv4 &
  VimWindowsNic & { secondaryWINS?: string; netBIOS?: string; ipV6Spec?: VimIpV6 };

/** A password as given in plain text; an encrypted one is not answered. */
const revealed = (password: VimPassword | undefined) => (password?.plainText ? password.value : undefined);

const nameOf = (name: VimName | undefined) =>
  defined({
    type: vapiOf(NAME_TYPES, name?._type) ?? 'USER_INPUT_REQUIRED',
    fixed_name: name?.name,
    prefix: name?.base,
  });

const domainOf = (id: VimDomain | undefined) => {
  if (id?.joinDomain !== undefined)
    return defined({
      type: 'DOMAIN',
      domain: id.joinDomain,
      domain_username: id.domainAdmin,
      domain_password: revealed(id.domainAdminPassword),
    });
  return id?.joinWorkgroup === undefined ? undefined : { type: 'WORKGROUP', workgroup: id.joinWorkgroup };
};

const configurationOf = (spec: CustomizationSpec): Json => {
  const identity = spec.identity as VimIdentity;
  if (identity._type === 'CustomizationLinuxPrep') {
    return {
      linux_config: defined({
        hostname: nameOf(identity.hostName),
        domain: identity.domain ?? '',
        time_zone: identity.timeZone,
        script_text: identity.scriptText,
      }),
    };
  }
  const reboot = vapiOf(REBOOT, (spec.options as { reboot?: string } | undefined)?.reboot);
  if (identity._type === 'CustomizationSysprepText')
    return { windows_config: defined({ reboot, sysprep_xml: identity.value }) };
  const { guiUnattended: gui, userData: user } = identity;
  const sysprep = defined({
    gui_run_once_commands: identity.guiRunOnce?.commandList,
    user_data: {
      computer_name: nameOf(user?.computerName),
      full_name: user?.fullName ?? '',
      organization: user?.orgName ?? '',
      product_key: user?.productId ?? '',
    },
    domain: domainOf(identity.identification),
    gui_unattended: defined({
      auto_logon: gui?.autoLogon ?? false,
      auto_logon_count: gui?.autoLogonCount ?? 0,
      password: revealed(gui?.password),
      time_zone: gui?.timeZone ?? 0,
    }),
  });
  return { windows_config: defined({ reboot, sysprep }) };
};

const ipv6Of = (v6: VimIpV6) => {
  const fixed = (v6.ip ?? []).filter((ip) => ip._type === IPV6_TYPES.STATIC);
  return defined({
    type: fixed.length > 0 ? 'STATIC' : (vapiOf(IPV6_TYPES, v6.ip?.[0]?._type) ?? 'DHCP'),
    ipv6:
      fixed.length > 0 ? fixed.map((ip) => ({ ip_address: ip.ipAddress, prefix: ip.subnetMask })) : undefined,
    gateways: v6.gateway,
  });
};

const adapterOf = (style: StyleName, a: VimIpSettings) => {
  const wins = [a.primaryWINS, a.secondaryWINS].filter((s) => s !== undefined);
  const windows = defined({
    dns_servers: a.dnsServerList,
    dns_domain: a.dnsDomain,
    wins_servers: wins.length > 0 ? wins : undefined,
    [SPELLING.netBios[style]]: vapiOf(NET_BIOS, a.netBIOS),
  });
  return defined({
    ipv4: defined({
      type: vapiOf(IPV4_TYPES, a.ip?._type) ?? 'DHCP',
      ip_address: a.ip?.ipAddress,
      prefix: ipv4PrefixLength(a.subnetMask),
      gateways: a.gateway,
    }),
    ipv6: a.ipV6Spec && ipv6Of(a.ipV6Spec),
    windows: Object.keys(windows).length > 0 ? windows : undefined,
  });
};

/** vim25's CustomizationSpec as the vAPI's. */
export const specOfVim = (style: StyleName, spec: CustomizationSpec): Json => {
  const dns = (spec.globalIPSettings ?? {}) as { dnsSuffixList?: string[]; dnsServerList?: string[] };
  return {
    configuration_spec: configurationOf(spec),
    [SPELLING.globalDns[style]]: defined({
      dns_suffix_list: dns.dnsSuffixList,
      dns_servers: dns.dnsServerList,
    }),
    interfaces: (spec.nicSettingMap ?? []).map((nic) =>
      defined({ mac_address: nic.macAddress, adapter: adapterOf(style, nic.adapter as VimIpSettings) }),
    ),
  };
};
