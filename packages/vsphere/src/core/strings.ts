/**
 * `text` as one flat string. V8 keeps a string built with `+` or a template literal as a
 * tree of its parts (a rope) until something reads it whole: kept in a record, a rope costs
 * an object per part, which every garbage collection copies. Reading a character flattens
 * it in place, and the collector then keeps the flat string alone.
 */
export const flat = (text: string): string => {
  text.charCodeAt(0);
  return text;
};

/** Bytes as base64 and back, without Node's Buffer: the model runs anywhere. */
export const toBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};
export const fromBase64 = (text: string): Uint8Array => {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};
