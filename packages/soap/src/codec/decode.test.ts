/** Decoding requests as clients write them: character references in text are part of XML. */
import { describe, expect, it } from 'vitest';
import { decodeRequest } from './decode.js';

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
  body +
  '</soapenv:Body></soapenv:Envelope>';

describe('decodeRequest', () => {
  it('decodes character references, as Go encoding/xml writes quotes and newlines', () => {
    const xml = envelope(
      '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
        '<userName>a&#34;b&#39;c&#xA;d&#x9;e</userName><password>p&amp;#34;q&lt;</password></Login>',
    );
    const call = decodeRequest(xml, '7.0');
    expect(call.args.userName).toBe('a"b\'c\nd\te');
    // An escaped ampersand stays a literal "&#34;": references are decoded once, not twice.
    expect(call.args.password).toBe('p&#34;q<');
  });

  it("decodes XML's five entities and astral characters", () => {
    const xml = envelope(
      '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
        '<userName>&lt;&gt;&amp;&quot;&apos;&#128512;&#x1F600;</userName><password>p</password></Login>',
    );
    const call = decodeRequest(xml, '7.0');
    expect(call.args.userName).toBe('<>&"\'\u{1F600}\u{1F600}');
  });

  it.each([
    ['an entity XML does not define', '&nbsp;', "undefined entity '&nbsp;'"],
    ['a reference to no character', '&#x110000;', "'&#x110000;' names no XML character"],
  ])('refuses %s as InvalidRequest', (_, password, message) => {
    const xml = envelope(
      '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
        `<userName>u</userName><password>${password}</password></Login>`,
    );
    expect(() => decodeRequest(xml, '7.0')).toThrow(
      expect.objectContaining({
        fault: { _type: 'InvalidRequest' },
        message: `Malformed XML at line 1: ${message}`,
      }),
    );
  });

  it('reads a keyed property path with quotes in a PropertySpec', () => {
    const xml = envelope(
      '<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>' +
        '<specSet><propSet><type>VirtualMachine</type><pathSet>config.extraConfig[&#34;k&#34;]</pathSet></propSet>' +
        '<objectSet><obj type="VirtualMachine">vm-1</obj></objectSet></specSet></RetrieveProperties>',
    );
    const specSet = decodeRequest(xml, '7.0').args.specSet as { propSet: { pathSet: string[] }[] }[];
    expect(specSet[0]?.propSet[0]?.pathSet).toEqual(['config.extraConfig["k"]']);
  });
});
