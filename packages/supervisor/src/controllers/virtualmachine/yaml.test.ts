import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareKeys, toYaml, type YamlValue } from './yaml.js';

describe('toYaml', () => {
  it('writes maps in key order, lists at their key, strings plain where they can be', () => {
    const doc = toYaml({
      network: {
        version: 2,
        ethernets: {
          eth10: { 'set-name': 'eth10' },
          eth2: {
            addresses: ['192.168.1.10/24'],
            match: { macaddress: '00:50:56:00:00:01' },
            nameservers: {},
            dhcp4: false,
            routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }],
          },
        },
      },
      'instance-id': 'a5d3b8e2-0f3c-4a51-9c3e-1b2c3d4e5f60',
      'public-keys': 'ssh-ed25519 AAAA one\nssh-ed25519 BBBB two',
      empty: [],
    });
    expect(doc).toBe(
      [
        'empty: []',
        'instance-id: a5d3b8e2-0f3c-4a51-9c3e-1b2c3d4e5f60',
        'network:',
        '  ethernets:',
        '    eth2:',
        '      addresses:',
        '      - 192.168.1.10/24',
        '      dhcp4: false',
        '      match:',
        '        macaddress: "00:50:56:00:00:01"',
        '      nameservers: {}',
        '      routes:',
        '      - to: 0.0.0.0/0',
        '        via: 10.0.0.1',
        '    eth10:',
        '      set-name: eth10',
        '  version: 2',
        'public-keys: |-',
        '  ssh-ed25519 AAAA one',
        '  ssh-ed25519 BBBB two',
        '',
      ].join('\n'),
    );
  });

  it('quotes what a YAML 1.1 reader would take for another type', () => {
    for (const text of [
      'yes',
      'off',
      '~',
      '12',
      '1.5',
      '0x1f',
      '10:20:30',
      '2024-01-02',
      '',
      ' x',
      'a: b',
      '#c',
    ])
      expect(toYaml({ k: text })).toBe(`k: ${JSON.stringify(text)}\n`);
    for (const text of ['eth0', 'c1-md-0', 'ssh-ed25519 AAAA', 'a:b', '192.168.1.10/24'])
      expect(toYaml({ k: text })).toBe(`k: ${text}\n`);
  });

  it('writes an empty map as {}', () => {
    expect(toYaml({})).toBe('{}\n');
  });

  // Keys and strings from everything a string can hold; the readers are YAML 1.1 (what
  // cloud-init's PyYAML reads) and 1.2.
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({
      unit: fc.constantFrom('a', '1', ':', ' ', '-', '#', '\n', '\t', '.', '"', "'", '|'),
      maxLength: 8,
    }),
    fc.constantFrom(
      'yes',
      'No',
      'on',
      'null',
      '~',
      '0o17',
      '1_000',
      '.inf',
      '12:30:45',
      '2001-12-14t21:59:43.10-05:00',
    ),
  );
  const value: fc.Arbitrary<YamlValue> = fc.letrec<{ value: YamlValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    ),
  })).value;

  it('reads back as written, in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 5 }), (doc) => {
        const written = toYaml(doc);
        expect(parse(written, { version: '1.1' })).toEqual(doc);
        expect(parse(written)).toEqual(doc);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('compareKeys', () => {
  it('orders digit runs by value and other characters before letters', () => {
    expect(['eth10', 'eth2', 'eth1', 'a-b', 'ab', 'a1'].sort(compareKeys)).toEqual([
      'a-b',
      'a1',
      'ab',
      'eth1',
      'eth2',
      'eth10',
    ]);
  });

  it('orders as Go yaml does where a run shares its first digits, or meets a non-digit', () => {
    // Orders Go's yaml.v2 gives for these keys.
    expect(['nic100', 'nic11', 'nic10', 'nic2'].sort(compareKeys)).toEqual([
      'nic2',
      'nic10',
      'nic11',
      'nic100',
    ]);
    expect(['a5', 'a_b'].sort(compareKeys)).toEqual(['a_b', 'a5']);
    expect(['vlan10', 'vlan_10'].sort(compareKeys)).toEqual(['vlan_10', 'vlan10']);
    expect(['a01', 'a1'].sort(compareKeys)).toEqual(['a1', 'a01']);
  });

  it('takes any Unicode letter for a letter, and compares code points, not UTF-16 units', () => {
    expect(['é', 'z', '1', 'B', 'a'].sort(compareKeys)).toEqual(['1', 'B', 'a', 'z', 'é']);
    // U+1D49C is written with surrogates (0xD835...), below U+FF5A in UTF-16, above it as a code point.
    expect(['x\u{1d49c}', 'x\uff5a'].sort(compareKeys)).toEqual(['x\uff5a', 'x\u{1d49c}']);
  });
});
