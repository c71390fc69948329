/** The request reader: the tree it builds, and the malformed documents it refuses, with where. */
import { describe, expect, it } from 'vitest';
import {
  attributeOf,
  DoctypeError,
  MAX_DEPTH,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from './xml-reader.js';

/** A tree as plain data, so expectations read like the document. */
const shape = (e: XmlElement): unknown => ({
  name: e.name,
  ...(e.attributes.length ? { attributes: e.attributes } : {}),
  ...(e.text ? { text: e.text } : {}),
  ...(e.children.length ? { children: e.children.map(shape) } : {}),
});

const syntaxError = (xml: string): { message: string; line: number } => {
  try {
    parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return { message: error.message, line: error.line };
    throw error;
  }
  throw new Error(`parsed: ${xml}`);
};

describe('parseXml', () => {
  it('reads elements by local name, attributes as written, and decoded text', () => {
    const xml =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n' +
      '<soapenv:Envelope xmlns:soapenv="urn:e" xmlns:xsi="urn:i"><soapenv:Body>' +
      '<obj type=\'VirtualMachine\' xsi:type="ManagedObjectReference">vm-&lt;1&gt;</obj>' +
      '<empty/><pathSet><![CDATA[a<b&c]]>&#x41;<?pi data?>z</pathSet>' +
      '</soapenv:Body></soapenv:Envelope>\n<!-- after -->\n';
    expect(shape(parseXml(xml))).toEqual({
      name: 'Envelope',
      attributes: ['xmlns:soapenv', 'urn:e', 'xmlns:xsi', 'urn:i'],
      children: [
        {
          name: 'Body',
          children: [
            {
              name: 'obj',
              attributes: ['type', 'VirtualMachine', 'xsi:type', 'ManagedObjectReference'],
              text: 'vm-<1>',
            },
            { name: 'empty' },
            { name: 'pathSet', text: 'a<b&cAz' },
          ],
        },
      ],
    });
  });

  it('normalizes literal line ends to LF, and keeps a CR written as a reference', () => {
    expect(parseXml('<a>x\r\ny\rz&#13;</a>').text).toBe('x\ny\nz\r');
  });

  it('finds an attribute by its name as written, whatever the name', () => {
    const element = parseXml('<a __proto__="1" constructor="2" xsi:type="x"/>');
    expect(attributeOf(element, '__proto__')).toBe('1');
    expect(attributeOf(element, 'constructor')).toBe('2');
    expect(attributeOf(element, 'xsi:type')).toBe('x');
    expect(attributeOf(element, 'type')).toBeUndefined();
  });

  it.each([
    ['an empty document', '', 'the document has no root element', 1],
    ['text before the root', 'x<a/>', 'text before the root element', 1],
    ['a second root', '<a/><b/>', 'content after the root element', 1],
    ['an unclosed element', '<a>\n<b>', "'b' is not closed", 2],
    ['a mismatched end tag', '<a>\n\n</b>', "end tag 'b' does not match start tag 'a'", 3],
    [
      'a prefix that differs in the end tag',
      '<x:a></y:a>',
      "end tag 'y:a' does not match start tag 'x:a'",
      1,
    ],
    ['an unquoted attribute', '<a b=1/>', "the value of attribute 'b' is not quoted", 1],
    ['an attribute without a value', '<a b/>', "attribute 'b' has no value", 1],
    ['a repeated attribute', '<a b="1" b="2"/>', "attribute 'b' appears twice in 'a'", 1],
    ['attributes without space between', '<a b="1"c="2"/>', "expected whitespace, '>' or '/>' in 'a'", 1],
    ["'<' in an attribute value", '<a b="<"/>', "'<' in the value of attribute 'b'", 1],
    ['an unclosed attribute value', '<a b="1/>', "the value of attribute 'b' is not closed", 1],
    ['a bare ampersand', '<a>fish & chips</a>', "'&' that starts no reference (write &amp;)", 1],
    ['an undefined entity', '<a>&nbsp;</a>', "undefined entity '&nbsp;'", 1],
    [
      'an entity named like an inherited property',
      '<a>&constructor;</a>',
      "undefined entity '&constructor;'",
      1,
    ],
    ['a reference to no character', '<a>&#0;</a>', "'&#0;' names no XML character", 1],
    ['a reference that is not a number', '<a>&#x1g;</a>', "'&#x1g;' names no XML character", 1],
    ['an unclosed comment', '<a><!-- x</a>', 'a comment is not closed', 1],
    ['an unclosed CDATA section', '<a><![CDATA[x</a>', 'a CDATA section is not closed', 1],
    ['CDATA outside the root', '<![CDATA[x]]><a/>', "'<!' that starts no comment or CDATA section", 1],
    ['a tag with no name', '<a>< b/></a>', 'expected an element name', 1],
    ['an unclosed start tag', '<a', "'a' is not closed", 1],
    [
      'an unclosed processing instruction',
      '<?xml version="1.0"',
      'a processing instruction is not closed',
      1,
    ],
    [
      'nesting deeper than the limit',
      '<a>'.repeat(MAX_DEPTH + 1),
      `elements nested deeper than ${MAX_DEPTH}`,
      1,
    ],
  ])('refuses %s', (_, xml, message, line) => {
    expect(syntaxError(xml)).toEqual({ message, line });
  });

  it.each([
    ['before the root', '<!DOCTYPE a [<!ENTITY x "y">]><a/>'],
    ['in lower case', '<!doctype a><a/>'],
    ['inside the root', '<a><!DOCTYPE a></a>'],
  ])('refuses a DOCTYPE %s', (_, xml) => {
    expect(() => parseXml(xml)).toThrow(DoctypeError);
  });

  it('reads nesting up to the limit', () => {
    const xml = `${'<a>'.repeat(MAX_DEPTH)}x${'</a>'.repeat(MAX_DEPTH)}`;
    let element = parseXml(xml);
    for (let depth = 1; depth < MAX_DEPTH; depth++) element = element.children[0] as XmlElement;
    expect(element.text).toBe('x');
  });
});
