/** Go's strconv.ParseBool's true spellings: anything else (its errors too) is false to vm-operator. */
const TRUE_SPELLINGS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export const isGoTrue = (text: string): boolean => TRUE_SPELLINGS.has(text);
