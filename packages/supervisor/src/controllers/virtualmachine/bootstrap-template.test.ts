import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hubVm } from '../../testing/virtual-machine.js';
import { renderTemplate, type TemplateNetwork } from './bootstrap-template.js';

const network: TemplateNetwork = {
  devices: [
    { macAddress: '00-50-56-00-00-01', ipAddresses: ['192.168.10.5/24'], gateway4: '192.168.10.1' },
    { macAddress: '00-50-56-00-00-02', ipAddresses: ['10.1.0.7/16', '10.1.0.8/16'], gateway4: '10.1.0.1' },
  ],
  nameservers: ['8.8.8.8', '8.8.4.4', '1.1.1.1'],
};
const vm = hubVm({ className: 'best-effort-small' }, { tier: 'web' });
const render = (text: string, net = network) => renderTemplate(text, () => net, vm);

describe("vm-operator's bootstrap templates", () => {
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
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 12 }), (parts) => {
        expect(typeof render(parts.join(''))).toBe('string');
      }),
    );
  });

  it('gives a text back as written when it does not parse or run, as vm-operator does', () => {
    for (const text of [
      '{{ if .V1alpha2.Net.Devices }}yes{{ end }}',
      '{{ NoSuchFunction }}',
      '{{ V1alpha2_FirstIPFromNIC 5 }}',
      '{{ V1alpha2_FirstIP 1 }}',
      '{{ .V1alpha2.Net.NoSuchField }}',
      '{{ V1alpha2_FormatIP "not-an-ip" "" }}',
      '{{ unclosed',
    ])
      expect(render(text)).toBe(text);
    expect(render('{{ V1alpha2_FirstIP }}', { devices: [], nameservers: [] })).toBe('{{ V1alpha2_FirstIP }}');
    expect(render('{{ V1alpha2_FormatNameservers 1 "," }}', { devices: [], nameservers: [] })).toBe(
      '{{ V1alpha2_FormatNameservers 1 "," }}',
    );
  });
});
