import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hubVm } from '../../testing/virtual-machine.js';
import { renderTemplate, type TemplateNetwork } from './bootstrap-template.js';

const network: TemplateNetwork = {
  devices: [
    {
      macAddress: '00-50-56-00-00-01',
      ipAddresses: ['192.168.10.5/24'],
      gateway4: '192.168.10.1',
      ipv6Addresses: ['fe80::5/64', 'fd00::5/64'],
      gateway6: 'fd00::1',
    },
    {
      macAddress: '00-50-56-00-00-02',
      ipAddresses: ['10.1.0.7/16', '10.1.0.8/16'],
      gateway4: '10.1.0.1',
      ipv6Addresses: [],
      gateway6: '',
    },
  ],
  nameservers: ['8.8.8.8', '8.8.4.4', '1.1.1.1'],
};
const oneNic: TemplateNetwork = { devices: network.devices.slice(0, 1), nameservers: network.nameservers };
const noNetwork: TemplateNetwork = { devices: [], nameservers: [] };
const vm = hubVm({ className: 'best-effort-small' }, { tier: 'web' });
const render = (text: string, net = network) => renderTemplate(text, () => net, vm);
/** Each text, which does not parse or run, comes back as written. */
const leftAsWritten = (texts: readonly string[]) => {
  for (const text of texts) expect(render(text)).toBe(text);
};

/** One interface with IPv6 addresses alone, a link-local one first. */
const ipv6Only: TemplateNetwork = {
  devices: [
    {
      macAddress: '00-50-56-00-00-03',
      ipAddresses: [],
      gateway4: '',
      ipv6Addresses: ['fe80::9/64', 'fd00::9/64'],
      gateway6: 'fd00::1',
    },
  ],
  nameservers: [],
};

describe("vm-operator's bootstrap templates", () => {
  it("v1alpha6's functions: IPv6 where there is no IPv4, and the functions of either family", () => {
    expect(render('{{ V1alpha6_FirstIP }} {{ V1alpha6_FirstIPv4 }} {{ V1alpha6_FirstIPv6 }}')).toBe(
      '192.168.10.5/24 192.168.10.5/24 fe80::5/64',
    );
    // The first usable IPv6 address, past a link-local one; older versions read IPv4 alone.
    expect(render('{{ V1alpha6_FirstIP }} {{ V1alpha6_IPsFromNIC 0 }}', ipv6Only)).toBe(
      'fd00::9/64 [fe80::9/64 fd00::9/64]',
    );
    expect(render('{{ V1alpha5_FirstIP }}', ipv6Only)).toBe('{{ V1alpha5_FirstIP }}');
    expect(render('{{ V1alpha6_FirstIPv4FromNIC 0 }}', ipv6Only)).toBe('{{ V1alpha6_FirstIPv4FromNIC 0 }}');
    expect(render('{{ V1alpha6_FirstIPv6FromNIC 0 }}', ipv6Only)).toBe('fe80::9/64');
    expect(render('{{ V1alpha6_FirstIPv6FromNIC 1 }}')).toBe('{{ V1alpha6_FirstIPv6FromNIC 1 }}');
    expect(render('{{ range .V1alpha6.Net.Devices }}{{ .IPv6Addresses }} {{ .Gateway6 }};{{ end }}')).toBe(
      '[fe80::5/64 fd00::5/64] fd00::1;[] ;',
    );
    // IsUsableIP and PrefixLength, as Go's net package answers them.
    const usable = ['224.0.1.5', 'fec0::1', 'ff05::1', '10.0.0.1/24', '2001:db8::5/64'];
    const unusable = [
      '0.0.0.0',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.5',
      'fe80::1/64',
      'ff02::1',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      'bogus',
    ];
    for (const ip of usable) expect(render(`{{ V1alpha6_IsUsableIP "${ip}" }}`)).toBe('true');
    for (const ip of unusable) expect(render(`{{ V1alpha6_IsUsableIP "${ip}" }}`)).toBe('false');
    expect(render('{{ V1alpha6_PrefixLength "fd00::5/64" }}/{{ V1alpha6_PrefixLength "10.0.0.1/24" }}')).toBe(
      '64/24',
    );
    expect(render('{{ V1alpha6_PrefixLength "10.0.0.1" }}')).toBe('{{ V1alpha6_PrefixLength "10.0.0.1" }}');
    // Where a netmask is meant, v1alpha6 refuses IPv6; older versions take the mask's first bytes.
    expect(render('{{ V1alpha5_SubnetMask "fd00::5/64" }} {{ V1alpha5_SubnetMask "fd00::5/20" }}')).toBe(
      '255.255.255.255 255.255.240.0',
    );
    expect(render('{{ V1alpha6_SubnetMask "fd00::5/64" }}')).toBe('{{ V1alpha6_SubnetMask "fd00::5/64" }}');
    expect(render('{{ V1alpha5_IP "fd00::5" }}')).toBe('fd00::5/0');
    expect(render('{{ V1alpha6_IP "fd00::5" }}')).toBe('{{ V1alpha6_IP "fd00::5" }}');
    expect(render('{{ V1alpha6_IP "10.0.0.1" }}')).toBe('10.0.0.1/8');
  });

  it("leaves text without actions as it is, but for vm-operator's unescaped braces", () => {
    expect(render('plain value')).toBe('plain value');
    // The network is read only for a text with actions.
    expect(renderTemplate('no actions', () => expect.fail('network read'), vm)).toBe('no actions');
    expect(render('\\{\\{ not an action \\}\\}')).toBe('{{ not an action }}');
  });

  it('calls the network functions under every version’s name', () => {
    expect(render('{{ V1alpha1_FirstIP }}')).toBe('192.168.10.5/24');
    expect(render('ip={{ V1alpha6_FirstIP }}, mac={{ V1alpha2_FirstNicMacAddr }}')).toBe(
      'ip=192.168.10.5/24, mac=00-50-56-00-00-01',
    );
    expect(render('{{ V1alpha3_FirstIPFromNIC 1 }}')).toBe('10.1.0.7/16');
    expect(render('{{ V1alpha4_IPsFromNIC 1 }}')).toBe('[10.1.0.7/16 10.1.0.8/16]');
    expect(render('{{ V1alpha5_FormatNameservers 2 "," }}')).toBe('8.8.8.8,8.8.4.4');
    expect(render('{{ V1alpha5_FormatNameservers -1 " " }}')).toBe('8.8.8.8 8.8.4.4 1.1.1.1');
    expect(render('{{ V1alpha2_SubnetMask "192.168.10.5/22" }}')).toBe('255.255.252.0');
    expect(render('{{ V1alpha2_IP "172.16.0.4" }}')).toBe('172.16.0.4/16');
    expect(render('{{ V1alpha2_FormatIP "192.168.10.5/24" "" }}')).toBe('192.168.10.5');
    expect(render('{{ V1alpha2_FormatIP "192.168.10.5" "/20" }}')).toBe('192.168.10.5/20');
    expect(render('{{ V1alpha2_FormatIP "192.168.10.5/24" "255.255.0.0" }}')).toBe('192.168.10.5/16');
  });

  it('reads pipelines, parentheses, niladic functions as arguments, index and fields', () => {
    expect(render('{{ V1alpha2_FirstIP | V1alpha2_SubnetMask }}')).toBe('255.255.255.0');
    expect(render('{{ V1alpha2_FormatIP V1alpha2_FirstIP "" }}')).toBe('192.168.10.5');
    expect(render('{{ (index .V1alpha2.Net.Devices 1).Gateway4 }}')).toBe('10.1.0.1');
    expect(render('{{ index .V1alpha2.Net.Nameservers 2 }}')).toBe('1.1.1.1');
    expect(render('{{ len .V1alpha1.Net.Devices }}')).toBe('2');
    expect(render('{{ .V1alpha2.VM.Name }}/{{ .V1alpha2.VM.Spec.ClassName }}')).toBe('vm1/best-effort-small');
    expect(render('{{ index .V1alpha2.VM.Labels "tier" }}')).toBe('web');
    expect(render('a {{- " b " -}} c')).toBe('a b c');
    expect(render('{{/* a comment */}}x')).toBe('x');
    expect(render('{{ "tab\\tand\\x41" }}')).toBe('tab\tandA');
  });

  it('never fails on any text: it renders, or gives the text back', () => {
    const pieces = fc.constantFrom(
      '{{',
      '}}',
      '-',
      ' ',
      '"',
      '`',
      '(',
      ')',
      '|',
      '.V1alpha2.Net',
      'V1alpha2_FirstIP',
      'index',
      '1',
      '\\',
      'if ',
      'else',
      'end',
      'range $i, $e := ',
      '$x = ',
      'break',
      'printf "%d" ',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 12 }), (parts) => {
        expect(typeof render(parts.join(''))).toBe('string');
      }),
    );
    // Past the engine's limits: a string too long, a nesting too deep.
    leftAsWritten(['{{ printf "%999999999d" 1 }}', `{{ ${'('.repeat(50_000)} }}`]);
  });

  it('gives a text back as written when it does not parse or run, as vm-operator does', () => {
    leftAsWritten([
      '{{ NoSuchFunction }}',
      '{{ V1alpha2_FirstIPFromNIC 5 }}',
      '{{ V1alpha2_FirstIP 1 }}',
      '{{ .V1alpha2.Net.NoSuchField }}',
      '{{ V1alpha2_FormatIP "not-an-ip" "" }}',
      '{{ unclosed',
      '{{ nil }}',
      '{{ "a" "b" }}',
      '{{ 1 | 2 }}',
      // Only a parenthesized value takes a field: a parse error, in a branch not taken too.
      '{{ if false }}{{ "a".X }}{{ end }}ok',
    ]);
    expect(render('{{ V1alpha2_FirstIP }}', { devices: [], nameservers: [] })).toBe('{{ V1alpha2_FirstIP }}');
    expect(render('{{ V1alpha2_FormatNameservers 1 "," }}', { devices: [], nameservers: [] })).toBe(
      '{{ V1alpha2_FormatNameservers 1 "," }}',
    );
  });

  it('reads if, else if and else on fields and function results, with Go’s truth', () => {
    const nics =
      '{{ if eq (len .V1alpha2.Net.Devices) 1 }}one{{ else if .V1alpha2.Net.Devices }}many{{ else }}none{{ end }}';
    expect(render(nics)).toBe('many');
    expect(render(nics, oneNic)).toBe('one');
    expect(render(nics, noNetwork)).toBe('none');
    expect(render('{{ if V1alpha2_FirstIP }}ip {{ V1alpha2_FirstIP }}{{ else }}no ip{{ end }}')).toBe(
      'ip 192.168.10.5/24',
    );
    const truth = (value: string, onVm = vm) =>
      renderTemplate(`{{ if ${value} }}T{{ else }}F{{ end }}`, () => network, onVm);
    for (const value of ['0', '""', 'false', '(index .V1alpha2.VM.Labels "none")', '(slice "ab" 1 1)'])
      expect(truth(value)).toBe('F');
    expect(truth('.V1alpha2.VM.Labels', hubVm({}, {}))).toBe('F');
    for (const value of [
      '1',
      '-1',
      '"0"',
      'true',
      '.V1alpha2.Net',
      '.V1alpha2.VM.Labels',
      '.V1alpha2.Net.Nameservers',
    ])
      expect(truth(value)).toBe('T');
  });

  it('ranges over lists and maps (in key order), with index, key and element variables', () => {
    expect(render('{{ range $i, $d := .V1alpha2.Net.Devices }}{{ $i }}={{ $d.MacAddress }} {{ end }}')).toBe(
      '0=00-50-56-00-00-01 1=00-50-56-00-00-02 ',
    );
    expect(render('{{ range .V1alpha2.Net.Devices }}[{{ .Gateway4 }}]{{ end }}')).toBe(
      '[192.168.10.1][10.1.0.1]',
    );
    expect(render('{{ range $ip := V1alpha2_IPsFromNIC 1 }}{{ $ip }};{{ end }}')).toBe(
      '10.1.0.7/16;10.1.0.8/16;',
    );
    const labels = hubVm({}, { zone: 'a', app: 'b' });
    expect(
      renderTemplate(
        '{{ range $k, $v := .V1alpha2.VM.Labels }}{{ $k }}={{ $v }},{{ end }}',
        () => network,
        labels,
      ),
    ).toBe('app=b,zone=a,');
    expect(renderTemplate('{{ range .V1alpha2.VM.Labels }}{{ . }}{{ end }}', () => network, labels)).toBe(
      'ba',
    );
  });

  it('runs a range’s else over an empty list, an empty map or nil', () => {
    const nameservers = '{{ range .V1alpha2.Net.Nameservers }}{{ . }} {{ else }}no nameservers{{ end }}';
    expect(render(nameservers)).toBe('8.8.8.8 8.8.4.4 1.1.1.1 ');
    expect(render(nameservers, noNetwork)).toBe('no nameservers');
    expect(
      renderTemplate('{{ range .V1alpha2.VM.Labels }}x{{ else }}none{{ end }}', () => network, hubVm({}, {})),
    ).toBe('none');
    // The VM's spec has no volumes: a nil list.
    expect(render('{{ range .V1alpha2.VM.Spec.Volumes }}x{{ else }}no volumes{{ end }}')).toBe('no volumes');
  });

  it('reads with, else with and else, dot being the value and $ the data', () => {
    const first = '{{ with .V1alpha2.Net.Nameservers }}{{ index . 0 }}{{ else }}none{{ end }}';
    expect(render(first)).toBe('8.8.8.8');
    expect(render(first, noNetwork)).toBe('none');
    expect(
      render(
        '{{ with index .V1alpha2.VM.Labels "none" }}{{ . }}{{ else with .V1alpha2.VM.Labels.tier }}tier {{ . }}{{ end }}',
      ),
    ).toBe('tier web');
    expect(render('{{ with .V1alpha2.Net }}{{ len .Devices }} {{ $.V1alpha2.VM.Name }}{{ end }}')).toBe(
      '2 vm1',
    );
    expect(render('{{ range .V1alpha2.Net.Devices }}{{ $.V1alpha2.VM.Name }} {{ end }}')).toBe('vm1 vm1 ');
  });

  it('declares and assigns variables, in scope to the end of their control structure', () => {
    expect(render('a{{ $x := V1alpha2_FirstIP }}b{{ $x }}')).toBe('ab192.168.10.5/24');
    expect(render('{{ $d := index .V1alpha2.Net.Devices 1 }}{{ $d.Gateway4 }}')).toBe('10.1.0.1');
    expect(
      render('{{ $last := "" }}{{ range .V1alpha2.Net.Devices }}{{ $last = .Gateway4 }}{{ end }}{{ $last }}'),
    ).toBe('10.1.0.1');
    expect(
      render('{{ $x := "outer" }}{{ range .V1alpha2.Net.Devices }}{{ $x := .MacAddress }}{{ end }}{{ $x }}'),
    ).toBe('outer');
    expect(render('{{ if $n := len .V1alpha2.Net.Devices }}{{ $n }} NICs{{ else }}{{ $n }}{{ end }}')).toBe(
      '2 NICs',
    );
    // A declaration in a range's body goes out of scope at each iteration's end, so `=` assigns the outer `$x`.
    expect(
      render(
        '{{ $x := "" }}{{ range .V1alpha2.Net.Nameservers }}{{ $x = . }}{{ $x := "in" }}{{ end }}{{ $x }}',
      ),
    ).toBe('1.1.1.1');
    leftAsWritten([
      '{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}',
      // Out of scope is a parse error, in a branch not taken too.
      '{{ if true }}{{ $y := 1 }}{{ end }}{{ if false }}{{ $y }}{{ end }}ok',
      '{{ $z }}',
      '{{ $z = 1 }}',
      '{{ $a, $b := 1 }}',
    ]);
  });

  it('trims the space around control actions and comments with their markers', () => {
    expect(render('nameservers:\n{{- range .V1alpha2.Net.Nameservers }}\n  - {{ . }}\n{{- end }}\n')).toBe(
      'nameservers:\n  - 8.8.8.8\n  - 8.8.4.4\n  - 1.1.1.1\n',
    );
    expect(render('<{{ if true -}} \t x \n {{- else -}} y {{- end }}>')).toBe('<x>');
    expect(render('a {{- /* a comment */ -}} \n b')).toBe('ab');
    expect(render('{{/* }} */}}x')).toBe('x');
  });

  it('compares with eq, ne, lt, le, gt and ge, and decides with and, or and not', () => {
    expect(
      render(
        '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }}',
      ),
    ).toBe('true true true true true true false');
    expect(render('{{ eq "a" nil }} {{ eq .V1alpha2.VM.Labels.tier "web" }}')).toBe('false true');
    expect(
      render(
        '{{ and 1 0 "x" }} {{ and 1 "x" }} {{ or 0 "" "y" }} {{ or 0 "" }}| {{ not 0 }} {{ not .V1alpha2.Net }}',
      ),
    ).toBe('0 x y | true false');
    // and and or evaluate their arguments only until one decides.
    expect(render('{{ and false (V1alpha2_FirstIPFromNIC 5) }}')).toBe('false');
    expect(render('{{ or V1alpha2_FirstIP (V1alpha2_FirstIPFromNIC 5) }}')).toBe('192.168.10.5/24');
    expect(render('{{ if and .V1alpha2.Net.Devices (eq (len .V1alpha2.Net.Devices) 2) }}two{{ end }}')).toBe(
      'two',
    );
    leftAsWritten([
      '{{ eq 1 "1" }}',
      '{{ lt true false }}',
      '{{ lt 1 "a" }}',
      '{{ eq 1 }}',
      '{{ and }}',
      '{{ eq .V1alpha2.Net .V1alpha2.Net }}',
    ]);
  });

  it('prints with print, println and printf as Go’s fmt', () => {
    expect(render('{{ print "a" 1 2 "b" true nil }}|{{ println "a" 1 }}|')).toBe('a1 2btrue <nil>|a 1\n|');
    expect(render('{{ printf "%s/%d" "10.0.0.1" 24 }}')).toBe('10.0.0.1/24');
    expect(render('{{ printf "%v %q %x %X %t %%" .V1alpha2.Net.Nameservers "a\\"b" "hi" 255 true }}')).toBe(
      '[8.8.8.8 8.8.4.4 1.1.1.1] "a\\"b" 6869 FF true %',
    );
    expect(render('{{ printf "[%5s][%-4d][%3d]" "ab" 7 (slice .V1alpha2.Net.Nameservers 0 0) }}')).toBe(
      '[   ab][7   ][[]]',
    );
    expect(render('{{ printf "%q %c %q" 65 9731 "\\t☃\\x01" }}')).toBe('\'A\' ☃ "\\t☃\\x01"');
    expect(render('{{ printf "%d %t %s" "x" 1 }}')).toBe('%!d(string=x) %!t(int=1) %!s(MISSING)');
    expect(render('{{ printf "%s" "a" 1 nil }}')).toBe('a%!(EXTRA int=1, <nil>)');
    expect(render('{{ printf "%.2f" 1 }}')).toBe('{{ printf "%.2f" 1 }}');
  });

  it('escapes with html, js and urlquery, slices and indexes strings by bytes', () => {
    expect(render('{{ html "<b>Tom & \'Jerry\'</b>" }}')).toBe(
      '&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;',
    );
    expect(render('{{ js "it\'s \\"q\\" <x> = &\\n" }}')).toBe(
      String.raw`it\'s \"q\" \u003Cx\u003E \u003D \u0026\u000A`,
    );
    expect(render('{{ urlquery "a b&c=d/é~" }} {{ "x" | urlquery 1 nil }}')).toBe(
      'a+b%26c%3Dd%2F%C3%A9~ 1%3Cno+value%3Ex',
    );
    expect(
      render('{{ slice .V1alpha2.Net.Nameservers 1 }} {{ slice .V1alpha2.Net.Nameservers 0 1 2 }}'),
    ).toBe('[8.8.4.4 1.1.1.1] [8.8.8.8]');
    expect(render('{{ slice V1alpha2_FirstIP 0 3 }} {{ len "é" }} {{ index "AB" 1 }}')).toBe('192 2 66');
    leftAsWritten([
      '{{ slice "abc" 0 1 2 }}',
      '{{ slice "abc" 2 1 }}',
      '{{ slice "abc" 0 4 }}',
      '{{ index "AB" 2 }}',
    ]);
  });

  it('breaks and continues the innermost range', () => {
    expect(
      render(
        '{{ range $i, $ns := .V1alpha2.Net.Nameservers }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $ns }} {{ end }}',
      ),
    ).toBe('8.8.8.8 1.1.1.1 ');
    expect(
      render(
        '{{ range .V1alpha2.Net.Nameservers }}{{ if eq . "8.8.4.4" }}{{ break }}{{ end }}{{ . }} {{ end }}',
      ),
    ).toBe('8.8.8.8 ');
    expect(
      render(
        '{{ range .V1alpha2.Net.Devices }}{{ range .IPAddresses }}{{ . }}{{ break }}{{ end }};{{ end }}',
      ),
    ).toBe('192.168.10.5/24;10.1.0.7/16;');
  });

  it('mixes control actions with vm-operator’s functions', () => {
    const first = '{{ if eq (len .V1alpha2.Net.Devices) 1 }}{{ V1alpha2_FirstIP }}{{ end }}';
    expect(render(first, oneNic)).toBe('192.168.10.5/24');
    expect(render(first)).toBe('');
    expect(
      render(
        '{{ range $i, $d := .V1alpha2.Net.Devices }}{{ V1alpha2_SubnetMask (V1alpha2_FirstIPFromNIC $i) }} {{ end }}',
      ),
    ).toBe('255.255.255.0 255.255.0.0 ');
    // A branch not taken does not run, but is parsed: an undefined function there is an error still.
    expect(render('{{ if false }}{{ V1alpha2_FirstIPFromNIC 5 }}{{ end }}ok')).toBe('ok');
    const undefinedFunction = '{{ if false }}{{ NoSuchFunction }}{{ end }}ok';
    expect(render(undefinedFunction)).toBe(undefinedFunction);
  });

  it("reads the VM's objects as Go's structs and its labels and annotations as Go's maps", () => {
    const prepped = hubVm({ bootstrap: { linuxPrep: {} } }, { tier: 'web' });
    const onPrepped = (text: string) => renderTemplate(text, () => network, prepped);
    // An empty struct is true, as Go's structs all are.
    expect(onPrepped('{{ if .V1alpha2.VM.Spec.Bootstrap.LinuxPrep }}A{{ else }}B{{ end }}')).toBe('A');
    expect(onPrepped('{{ if .V1alpha2.VM.Spec.Bootstrap.CloudInit }}A{{ else }}B{{ end }}')).toBe('B');
    // A label is read by its key as written; index of a key the map lacks is the empty string.
    expect(render('{{ .V1alpha2.VM.Labels.tier }}|{{ .V1alpha2.VM.Labels.Tier }}')).toBe('web|<no value>');
    expect(render('[{{ index .V1alpha2.VM.Labels "topology.kubernetes.io/zone" }}]')).toBe('[]');
    expect(render('{{ index .V1alpha2.VM.Labels "tier" | len }}')).toBe('3');
    // A struct has no length, no elements and no keys to range over; a list has no fields.
    leftAsWritten([
      '{{ len .V1alpha2.VM.Spec }}',
      '{{ range .V1alpha2.VM.Spec }}x{{ end }}',
      '{{ index .V1alpha2.VM.Spec "className" }}',
      '{{ .V1alpha2.Net.Devices.length }}',
    ]);
  });

  it("reads each version's VM as that version has it, converted from the hub", () => {
    const placed = {
      ...hubVm({ image: { kind: 'VirtualMachineImage', name: 'vmi-1' } }),
      status: { nodeName: 'esx-1' },
    };
    const onPlaced = (text: string) => renderTemplate(text, () => network, placed);
    // `host` until v1alpha3, `nodeName` from v1alpha4.
    expect(onPlaced('{{ .V1alpha2.VM.Status.Host }} {{ .V1alpha3.VM.Status.Host }}')).toBe('esx-1 esx-1');
    expect(onPlaced('{{ .V1alpha4.VM.Status.NodeName }} {{ .V1alpha6.VM.Status.NodeName }}')).toBe(
      'esx-1 esx-1',
    );
    // A field the version lacks reads as nil here; Go fails such a template (the simulator knows
    // no version's full list of fields): what this pins is that the field is not the hub's.
    expect(onPlaced('{{ .V1alpha2.VM.Status.NodeName }}|{{ .V1alpha5.VM.Status.Host }}')).toBe(
      '<no value>|<no value>',
    );
    // `spec.image` since v1alpha3.
    expect(onPlaced('{{ .V1alpha3.VM.Spec.Image.Name }}|{{ .V1alpha2.VM.Spec.Image }}')).toBe(
      'vmi-1|<no value>',
    );
  });

  it('reads a VM that does not convert as an empty one, as vm-operator ignores that error', () => {
    const unconvertible = { ...vm, apiVersion: 'example.com/v1' };
    expect(renderTemplate('[{{ .V1alpha2.VM.Name }}]', () => network, unconvertible)).toBe('[<no value>]');
    expect(renderTemplate('[{{ .V1alpha6.VM.Name }}]', () => network, unconvertible)).toBe('[vm1]');
  });

  it('ends the inner range with a break in its else, the outer one going on', () => {
    expect(
      render(
        '{{ range .V1alpha2.Net.Nameservers }}{{ range $.V1alpha2.VM.Spec.Volumes }}{{ else }}{{ break }}{{ end }}[{{ . }}]{{ end }}',
      ),
    ).toBe('[8.8.8.8][8.8.4.4][1.1.1.1]');
  });

  it('refuses literals and declarations Go reads otherwise or refuses', () => {
    expect(render('{{ "\\x41" }}{{ 10 }}')).toBe('A10');
    leftAsWritten([
      // Octal in Go.
      '{{ 010 }}',
      '{{ 08 }}',
      '{{ range $i, .V1alpha2.Net.Devices }}x{{ end }}',
      // No `\'` in a double-quoted string; a raw byte a text cannot hold.
      '{{ "\\\'" }}',
      '{{ "\\xe9" }}',
    ]);
  });

  it('gives back a text whose control structure does not parse, or is not read here', () => {
    leftAsWritten([
      '{{ if .V1alpha2.Net.Devices }}yes',
      'a {{ end }}',
      '{{ if true }}b{{ end }}{{ end }}',
      '{{ else }}',
      '{{ if }}x{{ end }}',
      '{{ if true }}x{{ end true }}',
      '{{ range .V1alpha2.Net.Devices }}x{{ else }}y{{ else }}z{{ end }}',
      '{{ range .V1alpha2.Net.Devices }}x{{ else if true }}y{{ end }}',
      '{{ if true }}a{{ else with 1 }}b{{ end }}',
      '{{ break }}',
      '{{ range .V1alpha2.Net.Devices }}{{ continue 1 }}{{ end }}',
      '{{ range .V1alpha2.Net.Devices }}{{ else }}{{ break }}{{ end }}',
      '{{ define "x" }}y{{ end }}',
      '{{ template "x" }}',
      '{{ range 3 }}{{ . }}{{ end }}',
      '{{ range "abc" }}{{ . }}{{ end }}',
      '{{ with .V1alpha2.Net }}{{ . }}{{ end }}',
      '{{ /* not a comment */ }}',
    ]);
    expect(render('\\{\\{ {{ if true }}')).toBe('{{ {{ if true }}');
  });
});
