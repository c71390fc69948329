/** The value under `key`, inserting `make()` first when there is none (Map.getOrInsertComputed, before Node has it). */
export const getOrInsert = <K, V>(map: Map<K, V>, key: K, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
};
