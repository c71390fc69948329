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
