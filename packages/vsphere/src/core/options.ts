/**
 * Options objects checked for names their reader does not know: a misspelled option (say
 * `namespace` for `namespaces`) is refused, not ignored, as vcsim's flag parser refuses one.
 */

/** Every key of an options type, so that a list of them stays complete as the type grows. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/** Throws a TypeError naming the first key of `options` that `known` does not have. */
export function checkOptionKeys(options: object, known: object, where: string): void {
  for (const key of Object.keys(options))
    if (!Object.hasOwn(known, key))
      throw new TypeError(`${where}: unknown option '${key}' (known: ${Object.keys(known).join(', ')})`);
}
