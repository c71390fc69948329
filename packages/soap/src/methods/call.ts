/** What a method implementation receives: the model, the decoded call and the caller. */
import type { MoRef, UserSession, VSphere } from '@vsim/vsphere';

export interface SoapCall {
  readonly vsphere: VSphere;
  /** The `_this` of the call, checked to exist and to own the method. */
  readonly self: MoRef;
  // biome-ignore lint/suspicious/noExplicitAny: arguments are decoded and checked against the vim25 metadata
  readonly args: Readonly<Record<string, any>>;
  /** The caller's session; undefined only for the methods allowed before login. */
  readonly session: UserSession | undefined;
  /** The API version the client speaks. */
  readonly version: string;
  /** Hands the client a session cookie (Login, CloneSession). */
  startSession(session: UserSession): void;
  /** Drops the client's session cookie (Logout). */
  endSession(): void;
}

export type MethodImpl = (call: SoapCall) => unknown;

export type MethodTable = Readonly<Record<string, MethodImpl>>;
