/**
 * Names and labels as the API server checks and explains them (apimachinery's validation
 * package): RFC 1123 labels and subdomains, RFC 1035 labels, label keys and values, the keys
 * of a ConfigMap's or Secret's data. Each
 * check gives its problems, in the API server's words, none when the value is good.
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const LABEL_KEY = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${LABEL_KEY})?`;
const whole = (pattern: string) => new RegExp(`^${pattern}$`);
const DNS1123_LABEL_RE = whole(DNS1123_LABEL);
const DNS1123_SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN);
const DNS1035_LABEL_RE = whole(DNS1035_LABEL);
const LABEL_KEY_RE = whole(LABEL_KEY);
const LABEL_VALUE_RE = whole(LABEL_VALUE);
const DNS1123_SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const utf8 = new TextEncoder();

/**
 * Go measures strings in bytes. Its older validation package calls them characters, the
 * newer one (label keys and values) bytes.
 */
function tooLong(value: string, max: number, unit: 'characters' | 'bytes'): string[] {
  // A UTF-16 unit is 3 bytes of UTF-8 at most: most names need no encoding to know.
  const fits = value.length * 3 <= max || utf8.encode(value).length <= max;
  return fits ? [] : [`must be no more than ${max} ${unit}`];
}

function regexError(rule: string, pattern: string, ...examples: string[]): string {
  return `${rule} (e.g. ${examples.map((example) => `'${example}', `).join(' or ')}regex used for validation is '${pattern}')`;
}

export function dns1123LabelProblems(value: string): string[] {
  const problems = tooLong(value, 63, 'characters');
  if (DNS1123_LABEL_RE.test(value)) return problems;
  // A subdomain of the right length fails as a label for its dots alone.
  const problem = DNS1123_SUBDOMAIN_RE.test(value)
    ? 'must not contain dots'
    : regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL,
        'my-name',
        '123-abc',
      );
  return [...problems, problem];
}

/** A value of one format: too long, or not of its pattern (`error` says which). */
function formatProblems(
  value: string,
  max: number,
  unit: 'characters' | 'bytes',
  pattern: RegExp,
  error: string,
): string[] {
  const problems = tooLong(value, max, unit);
  if (!pattern.test(value)) problems.push(error);
  return problems;
}

const DNS1123_SUBDOMAIN_ERROR = regexError(DNS1123_SUBDOMAIN_RULE, DNS1123_SUBDOMAIN, 'example.com');
const DNS1035_LABEL_ERROR = regexError(
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  DNS1035_LABEL,
  'my-name',
  'abc-123',
);
const LABEL_VALUE_ERROR = regexError(
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  LABEL_VALUE,
  'MyValue',
  'my_value',
  '12345',
);

export const dns1123SubdomainProblems = (value: string, unit: 'characters' | 'bytes'): string[] =>
  formatProblems(value, 253, unit, DNS1123_SUBDOMAIN_RE, DNS1123_SUBDOMAIN_ERROR);

export const dns1035LabelProblems = (value: string): string[] =>
  formatProblems(value, 63, 'characters', DNS1035_LABEL_RE, DNS1035_LABEL_ERROR);

const CONFIG_KEY = '[-._a-zA-Z0-9]+';
const CONFIG_KEY_RE = whole(CONFIG_KEY);
const CONFIG_KEY_ERROR = regexError(
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
  CONFIG_KEY,
  'key.name',
  'KEY_NAME',
  'key-name',
);

/** A key of a ConfigMap's or a Secret's data: a file name in the directory it is mounted as. */
export function configKeyProblems(key: string): string[] {
  const problems = tooLong(key, 253, 'characters');
  if (!CONFIG_KEY_RE.test(key)) problems.push(CONFIG_KEY_ERROR);
  if (key === '.') problems.push("must not be '.'");
  else if (key === '..') problems.push("must not be '..'");
  else if (key.startsWith('..')) problems.push("must not start with '..'");
  return problems;
}

/** A label key: a name with an optional DNS subdomain prefix and '/'. */
export function labelKeyProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2)
    return [
      `a valid label key ${regexError(LABEL_KEY_RULE, LABEL_KEY, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  const name = parts.at(-1) ?? '';
  const problems: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') problems.push('prefix part must be non-empty');
    else
      problems.push(...dns1123SubdomainProblems(prefix, 'bytes').map((problem) => `prefix part ${problem}`));
  }
  if (name === '') problems.push('name part must be non-empty');
  else problems.push(...tooLong(name, 63, 'bytes').map((problem) => `name part ${problem}`));
  if (!LABEL_KEY_RE.test(name))
    problems.push(`name part ${regexError(LABEL_KEY_RULE, LABEL_KEY, 'MyName', 'my.name', '123-abc')}`);
  return problems;
}

export const labelValueProblems = (value: string): string[] =>
  formatProblems(value, 63, 'bytes', LABEL_VALUE_RE, LABEL_VALUE_ERROR);

/** Whether a label value is good, without its problems' words (the pattern is ASCII: length is bytes). */
export const isLabelValue = (value: string): boolean => value.length <= 63 && LABEL_VALUE_RE.test(value);
