/**
 * `list.map(fn)` as a packed array, whichever tier runs it. Node 20's optimizing compiler
 * makes the array of a `map` it inlines holey, where the interpreter's is packed: code
 * optimized on the packed arrays of a burst's first VMs deoptimizes on the first holey one,
 * and is compiled again. Lists that flow from one hot function into another are made here.
 */
export const mapped = <T, U>(list: readonly T[], fn: (item: T, index: number) => U): U[] => {
  const out: U[] = [];
  for (let i = 0; i < list.length; i++) out.push(fn(list[i] as T, i));
  // A list grown by push keeps room for 17 items; records keep these, so copy it to its size.
  return out.slice();
};

/** `list` with `item` in place of the entry of its key, which goes last (added if it was not there). */
export const withKeyed = <T extends { readonly key: string }>(
  list: readonly T[] | undefined,
  item: T,
): T[] => [...(list ?? []).filter((x) => x.key !== item.key), item];
