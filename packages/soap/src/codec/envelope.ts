/** SOAP envelopes: a method's response, and a fault with vSphere's detail shape. */
import type { Fault } from '@vsim/vsphere';
import { compatibleTypeOf, visiblePropertiesOf } from '../metadata/registry.js';
import { type EncodeContext, encodeProperty } from './encode.js';
import { escapeXml } from './xml.js';

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ' +
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n';
const TAIL = '\n</soapenv:Body>\n</soapenv:Envelope>';

export const responseEnvelope = (method: string, returnXml: string): string =>
  `${HEAD}<${method}Response xmlns="urn:vim25">${returnXml}</${method}Response>${TAIL}`;

/** The fault's fields as the client's version knows its type (or the nearest ancestor). */
export const faultDetail = (fault: Fault, ctx: EncodeContext): { type: string; fields: string } => {
  const type = compatibleTypeOf(fault._type, ctx.version) ?? 'SystemError';
  let fields = '';
  for (const prop of visiblePropertiesOf(type, ctx.version)) {
    const value = fault[prop.name];
    if (value !== undefined) fields += encodeProperty(prop.name, value, prop, ctx);
  }
  return { type, fields };
};

/** HTTP 500 body: faultcode ServerFaultCode, the message, and `<XxxFault xsi:type="Xxx">` detail. */
export const faultEnvelope = (fault: Fault, message: string, ctx: EncodeContext): string => {
  const { type, fields } = faultDetail(fault, ctx);
  return (
    `${HEAD}<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${escapeXml(message)}</faultstring>` +
    `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${fields}</${type}Fault></detail></soapenv:Fault>${TAIL}`
  );
};
