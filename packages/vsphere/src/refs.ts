/** Managed object references, as clients see them on the wire. */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export const moref = (type: string, value: string): MoRef => ({ type, value });
