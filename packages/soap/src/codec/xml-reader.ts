/**
 * A strict XML reader for SOAP requests: one pass over the text that checks well-formedness
 * (matching tags, quoted and unique attributes, defined entities, one root element, no
 * DOCTYPE) and builds the element tree the decoder walks, with references already decoded.
 *
 * Requests are small and their shape is simple, so a reader made for them costs a fraction
 * of a general parser plus a separate validation pass, and every request pays for it.
 */

export interface XmlElement {
  /** The local name: `soapenv:Body` is `Body`. */
  readonly name: string;
  /**
   * Attributes as name, value, name, value... with names as written (`type`, `xsi:type`)
   * and values decoded: elements have two at most, so a list beats a map.
   */
  readonly attributes: readonly string[];
  readonly children: XmlElement[];
  /** The character data directly inside the element (text and CDATA), decoded. */
  readonly text: string;
}

/** Malformed XML, with the line it was found on. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Deeper nesting than any vim25 request has is refused rather than walked. */
export const MAX_DEPTH = 256;

/** An element while its content is read; the tree keeps it as it is. */
interface OpenElement extends XmlElement {
  readonly qualifiedName: string;
  text: string;
}

const LT = 60;
const GT = 62;
const SLASH = 47;
const EQUALS = 61;
const QUOTE = 34;
const APOSTROPHE = 39;
const QUESTION = 63;
const BANG = 33;

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

const isNameStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;

const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;

/** XML 1.0's Char production: what a character reference may name. */
const isXmlChar = (c: number) =>
  c === 9 ||
  c === 10 ||
  c === 13 ||
  (c >= 0x20 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd) ||
  (c >= 0x10000 && c <= 0x10ffff);

/** A map, so that a name like `constructor` finds nothing an object would inherit. */
const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

const NO_ATTRIBUTES: string[] = [];

const attributeIn = (attributes: readonly string[], name: string): string | undefined => {
  for (let i = 0; i < attributes.length; i += 2) if (attributes[i] === name) return attributes[i + 1];
  return undefined;
};

/** The value of an element's attribute, by its name as written. */
export const attributeOf = (element: XmlElement, name: string): string | undefined =>
  attributeIn(element.attributes, name);

/** Parses a whole document and answers its root element. Throws XmlSyntaxError. */
export const parseXml = (xml: string): XmlElement => new Reader(xml).document();

class Reader {
  #pos = 0;
  /** Whether the start tag just read was `<name/>`. */
  #selfClosing = false;

  constructor(private readonly xml: string) {}

  document(): XmlElement {
    const xml = this.xml;
    if (xml.charCodeAt(0) === 0xfeff) this.#pos = 1;
    this.#misc();
    if (xml.charCodeAt(this.#pos) !== LT) {
      this.#fail(
        this.#pos >= xml.length ? 'the document has no root element' : 'text before the root element',
      );
    }
    const root = this.#elements();
    this.#misc();
    if (this.#pos < xml.length) this.#fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions, before or after the root element. */
  #misc(): void {
    const xml = this.xml;
    for (;;) {
      while (isSpace(xml.charCodeAt(this.#pos))) this.#pos++;
      if (xml.charCodeAt(this.#pos) !== LT) return;
      const next = xml.charCodeAt(this.#pos + 1);
      if (next === QUESTION) this.#instruction();
      else if (next === BANG) this.#declaration(false);
      else return;
    }
  }

  /** The root element and everything inside it, without recursion. */
  #elements(): XmlElement {
    const xml = this.xml;
    const stack: OpenElement[] = [];
    for (;;) {
      // at '<' of a start tag
      const element = this.#startTag();
      const top = stack[stack.length - 1];
      if (this.#selfClosing) {
        if (!top) return element;
        top.children.push(element);
      } else {
        if (stack.length === MAX_DEPTH) this.#fail(`elements nested deeper than ${MAX_DEPTH}`);
        stack.push(element);
      }
      // content until the next start tag, or until the stack empties
      while (stack.length > 0) {
        const current = stack[stack.length - 1] as OpenElement;
        const lt = xml.indexOf('<', this.#pos);
        if (lt === -1) this.#fail(`'${current.qualifiedName}' is not closed`);
        if (lt > this.#pos) current.text += this.#characters(this.#pos, lt);
        this.#pos = lt;
        const next = xml.charCodeAt(lt + 1);
        if (next === SLASH) {
          this.#endTag(current);
          stack.pop();
          const parent = stack[stack.length - 1];
          if (!parent) return current;
          parent.children.push(current);
        } else if (next === BANG) {
          const cdata = this.#declaration(true);
          if (cdata !== undefined) current.text += cdata;
        } else if (next === QUESTION) {
          this.#instruction();
        } else {
          break;
        }
      }
    }
  }

  #startTag(): OpenElement {
    const xml = this.xml;
    this.#pos++; // '<'
    const qualifiedName = this.#name('an element name');
    let attributes: string[] = NO_ATTRIBUTES;
    for (;;) {
      const spaced = isSpace(xml.charCodeAt(this.#pos));
      while (isSpace(xml.charCodeAt(this.#pos))) this.#pos++;
      const c = xml.charCodeAt(this.#pos);
      if (c === GT || (c === SLASH && xml.charCodeAt(this.#pos + 1) === GT)) {
        this.#pos += c === GT ? 1 : 2;
        this.#selfClosing = c === SLASH;
        return {
          qualifiedName,
          name: qualifiedName.slice(qualifiedName.indexOf(':') + 1),
          attributes,
          children: [],
          text: '',
        };
      }
      if (Number.isNaN(c)) this.#fail(`'${qualifiedName}' is not closed`);
      if (!spaced) this.#fail(`expected whitespace, '>' or '/>' in '${qualifiedName}'`);
      const name = this.#name('an attribute name');
      while (isSpace(xml.charCodeAt(this.#pos))) this.#pos++;
      if (xml.charCodeAt(this.#pos) !== EQUALS) this.#fail(`attribute '${name}' has no value`);
      this.#pos++;
      while (isSpace(xml.charCodeAt(this.#pos))) this.#pos++;
      const quote = xml.charCodeAt(this.#pos);
      if (quote !== QUOTE && quote !== APOSTROPHE)
        this.#fail(`the value of attribute '${name}' is not quoted`);
      const end = xml.indexOf(quote === QUOTE ? '"' : "'", this.#pos + 1);
      if (end === -1) this.#fail(`the value of attribute '${name}' is not closed`);
      const lt = xml.indexOf('<', this.#pos + 1);
      if (lt !== -1 && lt < end) this.#fail(`'<' in the value of attribute '${name}'`);
      if (attributes === NO_ATTRIBUTES) attributes = [];
      else if (attributeIn(attributes, name) !== undefined) {
        this.#fail(`attribute '${name}' appears twice in '${qualifiedName}'`);
      }
      attributes.push(name, this.#characters(this.#pos + 1, end));
      this.#pos = end + 1;
    }
  }

  #endTag(current: OpenElement): void {
    const xml = this.xml;
    this.#pos += 2; // '</'
    const name = this.#name('an end tag name');
    while (isSpace(xml.charCodeAt(this.#pos))) this.#pos++;
    if (xml.charCodeAt(this.#pos) !== GT) this.#fail(`end tag '${name}' is not closed`);
    if (name !== current.qualifiedName) {
      this.#fail(`end tag '${name}' does not match start tag '${current.qualifiedName}'`);
    }
    this.#pos++;
  }

  #name(what: string): string {
    const xml = this.xml;
    const start = this.#pos;
    if (!isNameStart(xml.charCodeAt(start))) this.#fail(`expected ${what}`);
    let end = start + 1;
    while (isNameChar(xml.charCodeAt(end))) end++;
    this.#pos = end;
    return xml.slice(start, end);
  }

  /** `<?target ...?>`. */
  #instruction(): void {
    const end = this.xml.indexOf('?>', this.#pos + 2);
    if (end === -1) this.#fail('a processing instruction is not closed');
    this.#pos += 2;
    this.#name('a processing instruction target');
    this.#pos = end + 2;
  }

  /** `<!--...-->`, `<![CDATA[...]]>` (its text, where allowed) or a DOCTYPE (refused). */
  #declaration(inContent: boolean): string | undefined {
    const xml = this.xml;
    if (xml.startsWith('<!--', this.#pos)) {
      const end = xml.indexOf('-->', this.#pos + 4);
      if (end === -1) this.#fail('a comment is not closed');
      this.#pos = end + 3;
      return undefined;
    }
    if (inContent && xml.startsWith('<![CDATA[', this.#pos)) {
      const start = this.#pos + 9;
      const end = xml.indexOf(']]>', start);
      if (end === -1) this.#fail('a CDATA section is not closed');
      this.#pos = end + 3;
      return normalizeNewlines(xml.slice(start, end));
    }
    if (xml.slice(this.#pos + 2, this.#pos + 9).toUpperCase() === 'DOCTYPE') {
      throw new DoctypeError();
    }
    return this.#fail("'<!' that starts no comment or CDATA section");
  }

  /** Text or an attribute value between `start` and `end`: newlines normalized, references decoded. */
  #characters(start: number, end: number): string {
    const raw = normalizeNewlines(this.xml.slice(start, end));
    let amp = raw.indexOf('&');
    if (amp === -1) return raw;
    let out = '';
    let from = 0;
    while (amp !== -1) {
      const semi = raw.indexOf(';', amp + 1);
      if (semi === -1 || semi - amp > 12) {
        this.#failAt(start, "'&' that starts no reference (write &amp;)");
      }
      out += raw.slice(from, amp) + this.#reference(raw.slice(amp + 1, semi), start);
      from = semi + 1;
      amp = raw.indexOf('&', from);
    }
    return out + raw.slice(from);
  }

  #reference(body: string, at: number): string {
    if (body.charCodeAt(0) !== 35 /* # */) {
      const entity = ENTITIES.get(body);
      if (entity === undefined) this.#failAt(at, `undefined entity '&${body};'`);
      return entity as string;
    }
    const hex = body.charCodeAt(1) === 120; /* x */
    const digits = body.slice(hex ? 2 : 1);
    const valid = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
    const code = valid ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
    if (!isXmlChar(code)) this.#failAt(at, `'&${body};' names no XML character`);
    return String.fromCodePoint(code);
  }

  #fail(message: string): never {
    return this.#failAt(this.#pos, message);
  }

  #failAt(pos: number, message: string): never {
    throw new XmlSyntaxError(message, lineAt(this.xml, pos));
  }
}

/** A DOCTYPE, before the root or inside it: refused, since it is what entity attacks need. */
export class DoctypeError extends Error {
  constructor() {
    super('A DOCTYPE is not allowed in a request.');
  }
}

/** XML turns a literal CR LF or lone CR into LF (a `&#13;` reference stays a CR). */
const normalizeNewlines = (s: string): string => (s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n'));

const lineAt = (xml: string, pos: number): number => {
  let line = 1;
  for (let i = xml.indexOf('\n'); i !== -1 && i < pos; i = xml.indexOf('\n', i + 1)) line++;
  return line;
};
