/** Go's strconv, as vm-operator's reads of annotations, extra config and OVF values parse text. */

/** Go's strconv.ParseBool's true spellings: anything else (its errors too) is false to vm-operator. */
const TRUE_SPELLINGS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export const isGoTrue = (text: string): boolean => TRUE_SPELLINGS.has(text);

/** Why Go's strconv.ParseInt or ParseUint (base 10: the digits, a sign for a signed one) refuses
 * the text, as its error words it; undefined when it reads it. */
export function goIntegerError(
  text: string,
  signed: boolean,
  bits: 32 | 64,
): 'invalid syntax' | 'value out of range' | undefined {
  if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(text)) return 'invalid syntax';
  const value = BigInt(text);
  const [min, max] = signed
    ? [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n]
    : [0n, 2n ** BigInt(bits) - 1n];
  return value >= min && value <= max ? undefined : 'value out of range';
}

/** Go's strconv.ParseInt and ParseUint in base 10: the value, or undefined. */
export const parseGoInteger = (text: string, signed: boolean, bits: 32 | 64): bigint | undefined =>
  goIntegerError(text, signed, bits) === undefined ? BigInt(text) : undefined;
