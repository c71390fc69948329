import { describe, expect, it } from 'vitest';
import { loggedIn, setup } from '../test-helpers.js';

const PATH = '/api/vcenter/guest/customization-specs';
const REST = '/rest/vcenter/guest/customization-specs';

const linuxSpec = {
  configuration_spec: {
    linux_config: {
      hostname: { type: 'FIXED', fixed_name: 'web-01' },
      domain: 'example.com',
      time_zone: 'Europe/Sofia',
      script_text: '#!/bin/sh\necho done',
    },
  },
  global_dns_settings: { dns_suffix_list: ['example.com'], dns_servers: ['10.0.0.53'] },
  interfaces: [
    {
      adapter: { ipv4: { type: 'STATIC', ip_address: '10.0.0.10', prefix: 24, gateways: ['10.0.0.1'] } },
    },
  ],
};

const windowsSpec = {
  configuration_spec: {
    windows_config: {
      reboot: 'SHUTDOWN',
      sysprep: {
        gui_run_once_commands: ['cmd /c echo one', 'cmd /c echo two'],
        user_data: {
          computer_name: { type: 'PREFIX', prefix: 'win' },
          full_name: 'Admin',
          organization: 'Example',
          product_key: '',
        },
        domain: {
          type: 'DOMAIN',
          domain: 'corp.example.com',
          domain_username: 'joiner',
          domain_password: 'join-secret',
        },
        gui_unattended: { auto_logon: true, auto_logon_count: 2, password: 'admin-secret', time_zone: 85 },
      },
    },
  },
  global_dns_settings: {},
  interfaces: [
    {
      mac_address: '00:50:56:aa:bb:cc',
      adapter: {
        ipv4: { type: 'DHCP' },
        ipv6: { type: 'STATIC', ipv6: [{ ip_address: 'fd00::10', prefix: 64 }], gateways: ['fd00::1'] },
        windows: {
          dns_servers: ['10.0.0.53'],
          dns_domain: 'corp.example.com',
          wins_servers: ['10.0.0.5', '10.0.0.6'],
          net_bios_mode: 'ENABLE',
        },
      },
    },
  ],
};

const session = async () => {
  const ctx = await loggedIn();
  const call = (method: string, url: string, body?: unknown) =>
    ctx.send(method, url, body === undefined ? {} : { body: JSON.stringify(body) });
  const create = (name: string, spec: unknown, description = '') =>
    call('POST', PATH, { name, description, spec });
  const info = async (name: string) => (await call('GET', `${PATH}/${name}`)).json as Info;
  return { ...ctx, call, create, info };
};

interface Info {
  last_modified: string;
  spec: { fingerprint: string; name: string; description: string; spec: unknown };
}

describe('/vcenter/guest/customization-specs', () => {
  it('creates a Linux spec (201, its name) and reads it back as given', async () => {
    const { create, info, vsphere } = await session();
    const res = await create('web', linuxSpec, 'web servers');
    expect([res.status, res.json]).toEqual([201, 'web']);
    expect(await info('web')).toEqual({
      last_modified: new Date(vsphere.clock.now()).toISOString(),
      spec: { fingerprint: '1', name: 'web', description: 'web servers', spec: linuxSpec },
    });
  });

  it('keeps a Linux spec in vim25 shape, as SOAP and a VM customization read it', async () => {
    const { create, call, vsphere } = await session();
    await create('web', linuxSpec);
    expect(vsphere.customizationSpecs.get('web')).toEqual({
      info: expect.objectContaining({ name: 'web', description: '', type: 'Linux', changeVersion: '1' }),
      spec: {
        _type: 'CustomizationSpec',
        identity: {
          _type: 'CustomizationLinuxPrep',
          hostName: { _type: 'CustomizationFixedName', name: 'web-01' },
          domain: 'example.com',
          timeZone: 'Europe/Sofia',
          scriptText: '#!/bin/sh\necho done',
        },
        globalIPSettings: {
          _type: 'CustomizationGlobalIPSettings',
          dnsSuffixList: ['example.com'],
          dnsServerList: ['10.0.0.53'],
        },
        nicSettingMap: [
          {
            _type: 'CustomizationAdapterMapping',
            adapter: {
              _type: 'CustomizationIPSettings',
              ip: { _type: 'CustomizationFixedIp', ipAddress: '10.0.0.10' },
              subnetMask: '255.255.255.0',
              gateway: ['10.0.0.1'],
            },
          },
        ],
      },
    });
    // The VM service takes it by name: the guest comes back as the spec says.
    await vsphere.vm.powerOff('vm-20').wait();
    const put = await call('PUT', '/api/vcenter/vm/vm-20/guest/customization', { name: 'web' });
    expect(put.status).toBe(204);
    await vsphere.vm.powerOn('vm-20').wait();
    expect(vsphere.read('vm-20', 'guest.hostName')).toBe('web-01');
    expect(vsphere.read('vm-20', 'guest.ipAddress')).toBe('10.0.0.10');
  });

  it('round-trips a Windows spec through vim25: sysprep, domain, IPv6 and Windows adapter settings', async () => {
    const { create, info, vsphere } = await session();
    expect((await create('win', windowsSpec)).status).toBe(201);
    expect((await info('win')).spec.spec).toEqual(windowsSpec);
    const { info: saved, spec } = vsphere.customizationSpecs.get('win');
    expect(saved.type).toBe('Windows');
    expect(spec.options).toEqual({
      _type: 'CustomizationWinOptions',
      changeSID: true,
      deleteAccounts: false,
      reboot: 'shutdown',
    });
    expect(spec.identity).toEqual({
      _type: 'CustomizationSysprep',
      guiUnattended: {
        _type: 'CustomizationGuiUnattended',
        password: { _type: 'CustomizationPassword', value: 'admin-secret', plainText: true },
        timeZone: 85,
        autoLogon: true,
        autoLogonCount: 2,
      },
      userData: {
        _type: 'CustomizationUserData',
        fullName: 'Admin',
        orgName: 'Example',
        computerName: { _type: 'CustomizationPrefixName', base: 'win' },
        productId: '',
      },
      guiRunOnce: { _type: 'CustomizationGuiRunOnce', commandList: ['cmd /c echo one', 'cmd /c echo two'] },
      identification: {
        _type: 'CustomizationIdentification',
        joinDomain: 'corp.example.com',
        domainAdmin: 'joiner',
        domainAdminPassword: { _type: 'CustomizationPassword', value: 'join-secret', plainText: true },
      },
    });
    expect(spec.nicSettingMap?.[0]).toEqual({
      _type: 'CustomizationAdapterMapping',
      macAddress: '00:50:56:aa:bb:cc',
      adapter: {
        _type: 'CustomizationIPSettings',
        ip: { _type: 'CustomizationDhcpIpGenerator' },
        ipV6Spec: {
          _type: 'CustomizationIPSettingsIpV6AddressSpec',
          ip: [{ _type: 'CustomizationFixedIpV6', ipAddress: 'fd00::10', subnetMask: 64 }],
          gateway: ['fd00::1'],
        },
        dnsServerList: ['10.0.0.53'],
        dnsDomain: 'corp.example.com',
        primaryWINS: '10.0.0.5',
        secondaryWINS: '10.0.0.6',
        netBIOS: 'enableNetBIOS',
      },
    });
  });

  it('keeps a sysprep_xml as CustomizationSysprepText', async () => {
    const { create, info, vsphere } = await session();
    const spec = {
      configuration_spec: { windows_config: { sysprep_xml: '<unattend/>' } },
      global_dns_settings: {},
      interfaces: [],
    };
    expect((await create('xml', spec)).status).toBe(201);
    expect(vsphere.customizationSpecs.get('xml').spec.identity).toEqual({
      _type: 'CustomizationSysprepText',
      value: '<unattend/>',
    });
    expect((await info('xml')).spec.spec).toEqual(spec);
  });

  it('reads over REST a spec made through the model (as SOAP gives it), in both styles', async () => {
    const { call, vsphere } = await session();
    vsphere.customizationSpecs.create({
      info: { name: 'soap-linux', description: 'from SOAP', type: 'Linux' },
      spec: {
        identity: {
          _type: 'CustomizationLinuxPrep',
          hostName: { _type: 'CustomizationVirtualMachineName' },
          domain: 'example.com',
          hwClockUTC: true,
        },
        globalIPSettings: { _type: 'CustomizationGlobalIPSettings' },
        nicSettingMap: [
          { adapter: { ip: { _type: 'CustomizationDhcpIpGenerator' } } },
          {
            adapter: {
              ip: { _type: 'CustomizationUnknownIpGenerator' },
              ipV6Spec: { ip: [{ _type: 'CustomizationAutoIpV6Generator' }] },
            },
          },
        ],
      },
    });
    const sysprepUser = {
      fullName: 'Admin',
      orgName: 'Example',
      computerName: { _type: 'CustomizationCustomName' },
      productId: 'KEY',
    };
    vsphere.customizationSpecs.create({
      info: { name: 'soap-windows', description: '', type: 'Windows' },
      spec: {
        identity: {
          _type: 'CustomizationSysprep',
          guiUnattended: {
            password: { value: 'ZW5jcnlwdGVk', plainText: false },
            timeZone: 4,
            autoLogon: false,
            autoLogonCount: 0,
          },
          userData: sysprepUser,
          identification: { joinWorkgroup: 'WORKGROUP' },
        },
        globalIPSettings: {},
        nicSettingMap: [
          {
            adapter: {
              ip: { _type: 'CustomizationFixedIp', ipAddress: '10.0.0.7' },
              netBIOS: 'disableNetBIOS',
            },
          },
        ],
      },
    });
    const linux = (await call('GET', `${PATH}/soap-linux`)).json as Info;
    expect(linux.spec).toMatchObject({ fingerprint: '1', name: 'soap-linux', description: 'from SOAP' });
    expect(linux.spec.spec).toEqual({
      configuration_spec: { linux_config: { hostname: { type: 'VIRTUAL_MACHINE' }, domain: 'example.com' } },
      global_dns_settings: {},
      interfaces: [
        { adapter: { ipv4: { type: 'DHCP' } } },
        { adapter: { ipv4: { type: 'USER_INPUT_REQUIRED' }, ipv6: { type: 'DHCP' } } },
      ],
    });
    // `/rest` wraps it and spells the IDL's mixed-case names; an encrypted password is not answered.
    const windows = (await call('GET', `${REST}/soap-windows`)).json as { value: Info };
    expect(windows.value.spec.spec).toEqual({
      configuration_spec: {
        windows_config: {
          sysprep: {
            user_data: {
              computer_name: { type: 'USER_INPUT_REQUIRED' },
              full_name: 'Admin',
              organization: 'Example',
              product_key: 'KEY',
            },
            domain: { type: 'WORKGROUP', workgroup: 'WORKGROUP' },
            gui_unattended: { auto_logon: false, auto_logon_count: 0, time_zone: 4 },
          },
        },
      },
      global_DNS_settings: {},
      interfaces: [
        {
          adapter: {
            ipv4: { type: 'STATIC', ip_address: '10.0.0.7' },
            windows: { net_BIOS_mode: 'DISABLE' },
          },
        },
      ],
    });
  });

  it('lists summaries, filtered by names and OS type in either style', async () => {
    const { create, call, vsphere } = await session();
    await create('web', linuxSpec, 'web servers');
    await create('win', windowsSpec);
    const at = new Date(vsphere.clock.now()).toISOString();
    expect((await call('GET', PATH)).json).toEqual([
      { name: 'web', description: 'web servers', os_type: 'LINUX', last_modified: at },
      { name: 'win', description: '', os_type: 'WINDOWS', last_modified: at },
    ]);
    const names = async (url: string) =>
      (await call('GET', url)).json as { name: string }[] | { value: { name: string }[] } as unknown;
    expect(await names(`${PATH}?os_type=WINDOWS`)).toMatchObject([{ name: 'win' }]);
    expect(await names(`${PATH}?names=web&names=nope`)).toMatchObject([{ name: 'web' }]);
    expect(await names(`${PATH}?names=web&os_type=WINDOWS`)).toEqual([]);
    expect(await names(`${REST}?filter.OS_type=LINUX`)).toEqual({
      value: [{ name: 'web', description: 'web servers', OS_type: 'LINUX', last_modified: at }],
    });
    expect(await names(`${REST}?filter.names=win`)).toMatchObject({ value: [{ name: 'win' }] });
    const bad = await call('GET', `${PATH}?os_type=SOLARIS`);
    expect([bad.status, bad.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
  });

  it('sets a spec as of its fingerprint, and refuses a stale one (invalid_argument), changing nothing', async () => {
    const { create, call, info, vsphere } = await session();
    await create('web', linuxSpec);
    const changed = {
      ...linuxSpec,
      configuration_spec: {
        linux_config: { hostname: { type: 'PREFIX', prefix: 'web' }, domain: 'example.org' },
      },
    };
    const body = { fingerprint: '1', name: 'web', description: 'moved', spec: changed };
    expect((await call('PUT', `${PATH}/web`, body)).status).toBe(204);
    expect((await info('web')).spec).toEqual({ ...body, fingerprint: '2' });
    expect(vsphere.customizationSpecs.get('web').spec.identity.hostName).toEqual({
      _type: 'CustomizationPrefixName',
      base: 'web',
    });
    // Another client's change since fingerprint 1: documented as invalid_argument.
    const before = vsphere.customizationSpecs.get('web');
    const stale = await call('PUT', `${PATH}/web`, { ...body, description: 'late', spec: linuxSpec });
    expect([stale.status, stale.json]).toMatchObject([
      400,
      { error_type: 'INVALID_ARGUMENT', messages: [{ default_message: expect.stringContaining("'1'") }] },
    ]);
    expect(vsphere.customizationSpecs.get('web')).toEqual(before);
    // `/rest` takes the Spec wrapped, answers 200 and may turn a Linux spec into a Windows one.
    const rest = await call('PUT', `${REST}/web`, {
      spec: { fingerprint: '2', name: 'web', description: '', spec: windowsSpec },
    });
    expect(rest.status).toBe(200);
    expect(vsphere.customizationSpecs.get('web').info).toMatchObject({ type: 'Windows', changeVersion: '3' });
  });

  it('deletes a spec', async () => {
    const { create, call, vsphere } = await session();
    await create('web', linuxSpec);
    await create('win', windowsSpec);
    expect((await call('DELETE', `${PATH}/web`)).status).toBe(204);
    expect((await call('DELETE', `${REST}/win`)).status).toBe(200);
    expect(vsphere.customizationSpecs.list()).toEqual([]);
  });

  it('serves the /rest style: a wrapped CreateSpec, {value} answers', async () => {
    const { call, vsphere } = await session();
    const made = await call('POST', REST, { spec: { name: 'web', description: 'd', spec: linuxSpec } });
    expect([made.status, made.json]).toEqual([200, { value: 'web' }]);
    const got = (await call('GET', `${REST}/web`)).json as { value: Info };
    expect(got.value.spec.spec).toEqual({
      ...linuxSpec,
      global_dns_settings: undefined,
      global_DNS_settings: linuxSpec.global_dns_settings,
    });
    expect(vsphere.customizationSpecs.exists('web')).toBe(true);
    const unwrapped = await call('POST', REST, { name: 'db', description: '', spec: linuxSpec });
    expect([unwrapped.status, unwrapped.json]).toMatchObject([
      400,
      { value: { error_type: 'INVALID_ARGUMENT' } },
    ]);
  });

  it('answers not_found for a missing name, already_exists for a taken one, leaving the specs as they were', async () => {
    const { create, call, vsphere } = await session();
    await create('web', linuxSpec);
    const before = vsphere.customizationSpecs.get('web');
    const body = { fingerprint: '1', name: 'nope', description: '', spec: linuxSpec };
    for (const [method, url, sent] of [
      ['GET', `${PATH}/nope`, undefined],
      ['PUT', `${PATH}/nope`, body],
      ['DELETE', `${PATH}/nope`, undefined],
      ['GET', `${REST}/nope`, undefined],
    ] as const) {
      const res = await call(method, url, sent);
      expect([method, url, res.status]).toEqual([method, url, 404]);
    }
    const taken = await create('web', windowsSpec, 'again');
    expect([taken.status, taken.json]).toMatchObject([400, { error_type: 'ALREADY_EXISTS' }]);
    expect(vsphere.customizationSpecs.list()).toHaveLength(1);
    expect(vsphere.customizationSpecs.get('web')).toEqual(before);
  });

  it('refuses a malformed spec with invalid_argument naming the field, making and changing nothing', async () => {
    const { create, call, vsphere } = await session();
    await create('web', linuxSpec);
    const before = vsphere.customizationSpecs.get('web');
    const linux = (config: object, rest: object = {}) => ({
      ...linuxSpec,
      configuration_spec: { linux_config: { ...linuxSpec.configuration_spec.linux_config, ...config } },
      ...rest,
    });
    const nic = (adapter: object) => linux({}, { interfaces: [{ adapter }] });
    const cases: [string, unknown, string][] = [
      ['no spec', undefined, "'spec'"],
      ['no configuration', { global_dns_settings: {}, interfaces: [] }, "'spec.configuration_spec'"],
      [
        'both configurations',
        {
          ...linuxSpec,
          configuration_spec: { ...linuxSpec.configuration_spec, ...windowsSpec.configuration_spec },
        },
        "'spec.configuration_spec.linux_config' and 'spec.configuration_spec.windows_config'",
      ],
      [
        'an unknown hostname type',
        linux({ hostname: { type: 'RANDOM' } }),
        "'spec.configuration_spec.linux_config.hostname.type'",
      ],
      [
        'a FIXED name without one',
        linux({ hostname: { type: 'FIXED' } }),
        "'spec.configuration_spec.linux_config.hostname.fixed_name'",
      ],
      ['no domain', linux({ domain: undefined }), "'spec.configuration_spec.linux_config.domain'"],
      [
        'no global DNS settings',
        { ...linuxSpec, global_dns_settings: undefined },
        "'spec.global_dns_settings'",
      ],
      ['no interfaces', { ...linuxSpec, interfaces: undefined }, "'spec.interfaces'"],
      [
        'a STATIC IPv4 without an address',
        nic({ ipv4: { type: 'STATIC', prefix: 24 } }),
        "'spec.interfaces[0].adapter.ipv4.ip_address'",
      ],
      [
        'a bad IPv4 address',
        nic({ ipv4: { type: 'STATIC', ip_address: '10.0.0', prefix: 24 } }),
        "'spec.interfaces[0].adapter.ipv4.ip_address'",
      ],
      [
        'a prefix over 32',
        nic({ ipv4: { type: 'STATIC', ip_address: '10.0.0.1', prefix: 33 } }),
        "'spec.interfaces[0].adapter.ipv4.prefix'",
      ],
      [
        'a bad gateway',
        nic({ ipv4: { type: 'DHCP', gateways: ['gw'] } }),
        "'spec.interfaces[0].adapter.ipv4.gateways'",
      ],
      [
        'three WINS servers',
        nic({ windows: { wins_servers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } }),
        "'spec.interfaces[0].adapter.windows.wins_servers'",
      ],
      [
        'cloud_config',
        { ...linuxSpec, configuration_spec: { cloud_config: { type: 'CLOUDINIT' } } },
        "'spec.configuration_spec.cloud_config'",
      ],
      [
        'sysprep and sysprep_xml',
        {
          ...windowsSpec,
          configuration_spec: {
            windows_config: { ...windowsSpec.configuration_spec.windows_config, sysprep_xml: '<x/>' },
          },
        },
        "'spec.configuration_spec.windows_config.sysprep' and 'spec.configuration_spec.windows_config.sysprep_xml'",
      ],
    ];
    for (const [what, spec, field] of cases) {
      const res = await create('new', spec);
      expect([what, res.status, res.json]).toMatchObject([
        what,
        400,
        { error_type: 'INVALID_ARGUMENT', messages: [{ default_message: expect.stringContaining(field) }] },
      ]);
      const set = await call('PUT', `${PATH}/web`, { fingerprint: '1', name: 'web', description: '', spec });
      expect([what, set.status]).toEqual([what, 400]);
    }
    const renamed = await call('PUT', `${PATH}/web`, {
      fingerprint: '1',
      name: 'db',
      description: '',
      spec: linuxSpec,
    });
    expect([renamed.status, renamed.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
    const noFingerprint = await call('PUT', `${PATH}/web`, { name: 'web', description: '', spec: linuxSpec });
    expect([noFingerprint.status, noFingerprint.json]).toMatchObject([
      400,
      { error_type: 'INVALID_ARGUMENT' },
    ]);
    expect(vsphere.customizationSpecs.list().map((s) => s.name)).toEqual(['web']);
    expect(vsphere.customizationSpecs.get('web')).toEqual(before);
  });

  it('needs a session, as every route', async () => {
    const { send } = setup();
    expect((await send('GET', PATH)).status).toBe(401);
    expect((await send('POST', REST, { body: '{}' })).status).toBe(401);
  });
});
