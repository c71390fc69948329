/** Go's strconv, as vm-operator's reads of annotations, extra config and OVF values parse text. */

/** Go's strconv.ParseBool's true spellings: anything else (its errors too) is false to vm-operator. */
const TRUE_SPELLINGS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export const isGoTrue = (text: string): boolean => TRUE_SPELLINGS.has(text);

/** Go's strconv.ParseInt and ParseUint in base 10 (the digits, a sign for a signed one): the value, or undefined. */
export function parseGoInteger(text: string, signed: boolean, bits: 32 | 64): bigint | undefined {
  if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(text)) return undefined;
  const value = BigInt(text);
  const [min, max] = signed
    ? [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n]
    : [0n, 2n ** BigInt(bits) - 1n];
  return value >= min && value <= max ? value : undefined;
}
