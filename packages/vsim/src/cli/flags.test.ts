import { describe, expect, it } from 'vitest';
import { FlagError, type FlagSpecs, formatUsage, parseGoFlags } from './flags.js';

const spec = {
  dc: { type: 'int', default: 1, usage: 'Number of datacenters' },
  cluster: { type: 'int', default: 1, usage: 'Number of clusters' },
  l: { type: 'string', default: '127.0.0.1:8989', usage: 'Listen address for vcsim' },
  E: { type: 'string', default: '', usage: 'Write `file` with the GOVC environment' },
  tls: { type: 'bool', default: true, usage: 'Enable TLS' },
  trace: { type: 'bool', default: false, usage: 'Trace SOAP to stderr' },
  v: { type: 'bool', default: false, usage: 'Verbose' },
} satisfies FlagSpecs;

function parse(...argv: string[]) {
  return parseGoFlags(argv, spec);
}

function failure(...argv: string[]): FlagError {
  try {
    parse(...argv);
  } catch (error) {
    if (error instanceof FlagError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${argv.join(' ')}`);
}

describe('parseGoFlags', () => {
  it('returns the defaults when no flags are given', () => {
    expect(parse()).toEqual({
      values: { dc: 1, cluster: 1, l: '127.0.0.1:8989', E: '', tls: true, trace: false, v: false },
      positionals: [],
    });
  });

  it('reads values with one or two dashes, separate or after =', () => {
    const { values } = parse('-dc', '2', '--cluster=3', '-l=:0', '--E', 'env.sh');
    expect(values).toMatchObject({ dc: 2, cluster: 3, l: ':0', E: 'env.sh' });
  });

  it('reads a multi-letter flag as one flag, not as letters', () => {
    expect(parse('-dc=4').values.dc).toBe(4);
  });

  it('sets booleans by presence or by =value, never from the next argument', () => {
    expect(parse('-trace').values.trace).toBe(true);
    expect(parse('-tls=false').values.tls).toBe(false);
    expect(parse('--tls=0', '-v=T').values).toMatchObject({ tls: false, v: true });
    const { values, positionals } = parse('-tls', 'false', '-v');
    expect(values.tls).toBe(true);
    expect(values.v).toBe(false);
    expect(positionals).toEqual(['false', '-v']);
  });

  it('lets the last occurrence win', () => {
    expect(parse('-dc', '2', '-dc', '5').values.dc).toBe(5);
  });

  it('keeps everything after -- or the first non-flag as positionals', () => {
    expect(parse('-dc', '2', '--', '-v', 'x')).toMatchObject({
      values: { dc: 2, v: false },
      positionals: ['-v', 'x'],
    });
    expect(parse('serve', '-dc', '2')).toMatchObject({
      values: { dc: 1 },
      positionals: ['serve', '-dc', '2'],
    });
    expect(parse('-', '-v').positionals).toEqual(['-', '-v']);
  });

  it('takes a value that looks like a flag for a non-boolean flag', () => {
    expect(parse('-l', '-v').values.l).toBe('-v');
    expect(parse('-dc', '-1').values.dc).toBe(-1);
  });

  it('reads integers as Go does: base prefixes, legacy octal, underscores, sign', () => {
    expect(parse('-dc=0x1F').values.dc).toBe(31);
    expect(parse('-dc=0o17').values.dc).toBe(15);
    expect(parse('-dc=017').values.dc).toBe(15);
    expect(parse('-dc=0b101').values.dc).toBe(5);
    expect(parse('-dc=1_000').values.dc).toBe(1000);
    expect(parse('-dc=+7').values.dc).toBe(7);
    expect(parse('-dc=-0x10').values.dc).toBe(-16);
    expect(parse('-dc=0').values.dc).toBe(0);
  });

  it("fails with Go's messages", () => {
    expect(failure('-x').message).toBe('flag provided but not defined: -x');
    expect(failure('--nope=1').message).toBe('flag provided but not defined: -nope');
    expect(failure('-dc', 'abc').message).toBe('invalid value "abc" for flag -dc: parse error');
    expect(failure('-dc=08').message).toBe('invalid value "08" for flag -dc: parse error');
    expect(failure('-dc=1__0').message).toBe('invalid value "1__0" for flag -dc: parse error');
    expect(failure('-dc=2.5').message).toBe('invalid value "2.5" for flag -dc: parse error');
    expect(failure('-dc=9223372036854775808').message).toBe(
      'invalid value "9223372036854775808" for flag -dc: value out of range',
    );
    expect(failure('-tls=maybe').message).toBe('invalid boolean value "maybe" for -tls: parse error');
    expect(failure('-dc').message).toBe('flag needs an argument: -dc');
    expect(failure('---dc').message).toBe('bad flag syntax: ---dc');
    expect(failure('-=1').message).toBe('bad flag syntax: -=1');
  });

  it('quotes bad values as Go does', () => {
    expect(failure('-dc', 'a"b\\c\td').message).toBe(
      'invalid value "a\\"b\\\\c\\td" for flag -dc: parse error',
    );
    expect(failure('-dc', '\x01\x7f').message).toBe('invalid value "\\x01\\x7f" for flag -dc: parse error');
    expect(failure('-dc', 'é').message).toBe('invalid value "é" for flag -dc: parse error');
  });

  it('reports -h and -help as a help request unless defined', () => {
    for (const arg of ['-h', '--help', '-help']) {
      const error = failure(arg);
      expect(error.help).toBe(true);
      expect(error.message).toBe('flag: help requested');
    }
    expect(failure('-x').help).toBe(false);
    const withHelp = parseGoFlags(['-h'], { h: { type: 'bool', default: false, usage: 'help' } });
    expect(withHelp.values.h).toBe(true);
  });

  it('does not treat inherited object keys as flags', () => {
    expect(failure('-constructor').message).toBe('flag provided but not defined: -constructor');
  });

  it('types the values from the spec', () => {
    const { values } = parse();
    const dc: number = values.dc;
    const tls: boolean = values.tls;
    const listen: string = values.l;
    expect([dc, tls, listen]).toEqual([1, true, '127.0.0.1:8989']);
  });
});

describe('formatUsage', () => {
  it("prints like Go's flag.PrintDefaults", () => {
    expect(formatUsage(spec)).toBe(
      [
        '  -E file',
        '    \tWrite file with the GOVC environment',
        '  -cluster int',
        '    \tNumber of clusters (default 1)',
        '  -dc int',
        '    \tNumber of datacenters (default 1)',
        '  -l string',
        '    \tListen address for vcsim (default "127.0.0.1:8989")',
        '  -tls',
        '    \tEnable TLS (default true)',
        '  -trace',
        '    \tTrace SOAP to stderr',
        '  -v\tVerbose',
        '',
      ].join('\n'),
    );
  });

  it('indents multi-line usage and omits zero defaults', () => {
    const text = formatUsage({
      n: { type: 'int', default: 0, usage: 'first line\nsecond line' },
      s: { type: 'string', default: 'a\tb', usage: 'quoted default' },
    });
    expect(text).toBe(
      '  -n int\n    \tfirst line\n    \tsecond line\n  -s string\n    \tquoted default (default "a\\tb")\n',
    );
  });
});
