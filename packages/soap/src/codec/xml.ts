/** XML text escaping for the encoder (the only characters XML 1.0 requires). */

const NEEDS_ESCAPE = /[&<>"\r]/;

export const escapeXml = (s: string): string => {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38) out += '&amp;';
    else if (c === 60) out += '&lt;';
    else if (c === 62) out += '&gt;';
    else if (c === 34) out += '&quot;';
    else if (c === 13) out += '&#13;';
    else out += s[i];
  }
  return out;
};

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD = 'http://www.w3.org/2001/XMLSchema';
export const SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';
