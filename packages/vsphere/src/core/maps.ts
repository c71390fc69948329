/** What getOrInsert needs of a map: a Map or a WeakMap. */
interface MapLike<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/** The value under `key`, inserting `make()` first when there is none (Map.getOrInsertComputed, before Node has it). */
export const getOrInsert = <K, V>(map: MapLike<K, V>, key: K, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
};
