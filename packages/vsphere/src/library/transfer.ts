/**
 * Moving files in and out of library items: update sessions (content.library.item.UpdateSession
 * and its File service) and download sessions (DownloadSession and its File service).
 *
 * Sessions are leases, not inventory: they live in memory beside the store, are not saved,
 * and the oldest finished ones are dropped past a bound. The bytes themselves stay with the
 * transport; the model records what arrived (size, SHA-1, and for an `.ovf` the descriptor
 * it reads) and, when an update session completes, puts the files on the item in one
 * transaction: same-named files are replaced (their version counts up), the item's content
 * version counts up, and a readable `.ovf` becomes the item's descriptor.
 */
import { faults } from '../faults.js';
import type { LibraryFile, LibraryFileChecksum, LibraryItemRecord } from '../inventory/records.js';
import type { Model } from '../model.js';
import { libraryItemOf, libraryOf, nextVersion } from './lookup.js';
import type { OvfDescriptor } from './ovf.js';
import { readOvfDescriptor } from './ovf-read.js';

export type TransferSessionState = 'ACTIVE' | 'DONE' | 'ERROR' | 'CANCELED';
export type UpdateFileStatus = 'WAITING_FOR_TRANSFER' | 'TRANSFERRING' | 'READY' | 'VALIDATING' | 'ERROR';
export type DownloadFileStatus = 'UNPREPARED' | 'PREPARE_REQUESTED' | 'PREPARING' | 'PREPARED' | 'ERROR';

export interface UpdateFileSpec {
  name: string;
  sourceType: 'PUSH' | 'PULL';
  /** The size the client announces; a transfer of another size is an error. */
  size?: number;
  /** The checksum the client announces; only SHA1 is verified. */
  checksum?: LibraryFileChecksum;
}

export interface UpdateFileInfo {
  readonly name: string;
  readonly sourceType: 'PUSH' | 'PULL';
  readonly size?: number;
  readonly checksum?: LibraryFileChecksum;
  readonly status: UpdateFileStatus;
  readonly bytesTransferred: number;
  readonly errorMessage?: string;
}

export interface TransferSessionInfo {
  readonly id: string;
  readonly libraryItemId: string;
  readonly libraryItemContentVersion: string;
  readonly state: TransferSessionState;
  /** Percent of the announced bytes transferred so far. */
  readonly clientProgress: number;
  readonly expirationTime: number;
  readonly errorMessage?: string;
}

export interface DownloadFileInfo {
  readonly name: string;
  readonly size: number;
  readonly checksum?: LibraryFileChecksum;
  readonly status: DownloadFileStatus;
  readonly bytesTransferred: number;
}

/** What the transport received for a file: its bytes and their SHA-1 (hex). */
export interface ReceivedFile {
  readonly bytes: Uint8Array;
  readonly sha1: string;
}

export interface UpdateValidation {
  readonly hasErrors: boolean;
  readonly missingFiles: readonly string[];
  readonly invalidFiles: readonly { name: string; errorMessage: string }[];
}

interface UpdateFile extends UpdateFileInfo {
  readonly ovf?: OvfDescriptor;
  readonly received?: { size: number; sha1: string };
}

interface Session {
  id: string;
  itemId: string;
  contentVersion: string;
  state: TransferSessionState;
  expirationTime: number;
  errorMessage?: string;
  user: string | undefined;
}

interface UpdateSession extends Session {
  files: Map<string, UpdateFile>;
}

interface DownloadSession extends Session {
  prepared: Set<string>;
  transferred: Map<string, number>;
}

/** A session lease lasts this long past its last use. */
export const TRANSFER_SESSION_TIMEOUT_MS = 5 * 60 * 1000;
/** At most this many sessions of each kind are remembered; finished ones go first. */
export const MAX_TRANSFER_SESSIONS = 1000;

const utf8 = new TextDecoder();

const notFound = (what: string, id: string) => faults.notFound(`Cannot find the ${what} with ID ${id}.`);

const remember = <S extends Session>(sessions: Map<string, S>, session: S) => {
  if (sessions.size >= MAX_TRANSFER_SESSIONS) {
    const finished = [...sessions.values()].find((s) => s.state !== 'ACTIVE');
    const drop = finished ?? sessions.values().next().value;
    if (drop) sessions.delete(drop.id);
  }
  sessions.set(session.id, session);
};

const info = (s: Session, progress: number): TransferSessionInfo => ({
  id: s.id,
  libraryItemId: s.itemId,
  libraryItemContentVersion: s.contentVersion,
  state: s.state,
  clientProgress: progress,
  expirationTime: s.expirationTime,
  ...(s.errorMessage === undefined ? {} : { errorMessage: s.errorMessage }),
});

const fileInfo = (f: UpdateFile): UpdateFileInfo => {
  const { ovf: _, received: __, ...rest } = f;
  return rest;
};

export const transferOperations = (m: Model) => {
  const updates = new Map<string, UpdateSession>();
  const downloads = new Map<string, DownloadSession>();

  const expire = () => {
    const now = m.clock.now();
    for (const map of [updates, downloads] as Map<string, Session>[])
      for (const s of map.values())
        if (s.state === 'ACTIVE' && s.expirationTime <= now) {
          s.state = 'ERROR';
          s.errorMessage = 'The session expired.';
        }
  };

  const updateOf = (id: string) => {
    expire();
    const s = updates.get(id);
    if (!s) throw notFound('update session', id);
    return s;
  };

  const downloadOf = (id: string) => {
    expire();
    const s = downloads.get(id);
    if (!s) throw notFound('download session', id);
    return s;
  };

  const active = (s: Session) => {
    if (s.state !== 'ACTIVE') throw faults.invalidState(`The session ${s.id} is ${s.state}, not ACTIVE.`);
    s.expirationTime = m.clock.now() + TRANSFER_SESSION_TIMEOUT_MS;
  };

  const newSession = (itemId: string): Session => {
    const item = libraryItemOf(m.store, itemId);
    return {
      id: m.random.uuid(),
      itemId: item.id,
      contentVersion: item.contentVersion,
      state: 'ACTIVE',
      expirationTime: m.clock.now() + TRANSFER_SESSION_TIMEOUT_MS,
      user: m.userName,
    };
  };

  const progress = (s: UpdateSession) => {
    let want = 0;
    let got = 0;
    for (const f of s.files.values()) {
      want += f.size ?? f.received?.size ?? 0;
      got += f.bytesTransferred;
    }
    if (s.state === 'DONE') return 100;
    return want === 0 ? 0 : Math.min(100, Math.floor((got / want) * 100));
  };

  const fileOf = (s: UpdateSession, name: string) => {
    const f = s.files.get(name);
    if (!f) throw faults.invalidArgument('file_name');
    return f;
  };

  /** Puts a finished session's files on its item: one transaction, versions counted up. */
  const apply = (s: UpdateSession) =>
    m.call({ method: 'content.library.item.UpdateSession.complete', target: s.itemId }, (tx) => {
      const item = libraryItemOf(tx, s.itemId);
      const files = [...item.files];
      let ovf = item.ovf;
      for (const f of s.files.values()) {
        const size = f.received?.size ?? 0;
        const at = files.findIndex((x) => x.name === f.name);
        const file: LibraryFile = {
          name: f.name,
          size,
          version: at < 0 ? '1' : nextVersion((files[at] as LibraryFile).version),
          cached: true,
          ...(f.received ? { checksum: { algorithm: 'SHA1', checksum: f.received.sha1 } } : {}),
        };
        if (at < 0) files.push(file);
        else files[at] = file;
        if (f.ovf && item.type === 'ovf') ovf = f.ovf;
      }
      const now = m.clock.now();
      return tx.put({
        ...item,
        files,
        size: files.reduce((sum, f) => sum + f.size, 0),
        cached: true,
        contentVersion: nextVersion(item.contentVersion),
        version: nextVersion(item.version),
        lastModifiedTime: now,
        ...(ovf ? { ovf } : {}),
      }) as LibraryItemRecord;
    });

  /** The files of the session's item, with their preparation status. */
  const listDownloadFiles = (sessionId: string): DownloadFileInfo[] => {
    const s = downloadOf(sessionId);
    const item = libraryItemOf(m.store, s.itemId);
    return item.files.map((f) => ({
      name: f.name,
      size: f.size,
      status: s.prepared.has(f.name) ? 'PREPARED' : 'UNPREPARED',
      bytesTransferred: s.transferred.get(f.name) ?? 0,
      ...(f.checksum ? { checksum: f.checksum } : {}),
    }));
  };

  const getDownloadFile = (sessionId: string, name: string): DownloadFileInfo => {
    const file = listDownloadFiles(sessionId).find((f) => f.name === name);
    if (!file) throw faults.invalidArgument('file_name');
    return file;
  };

  return {
    /** content.library.item.UpdateSession.create: a lease to change an item's files. */
    createUpdateSession(itemId: string): string {
      return m.call({ method: 'content.library.item.UpdateSession.create', target: itemId }, (tx) => {
        const item = libraryItemOf(tx, itemId);
        if (libraryOf(tx, item.library).type !== 'LOCAL')
          throw faults.invalidState('The items of a subscribed library cannot be changed.');
        // One update session at a time per item, as the Content Library Service allows.
        expire();
        const open = [...updates.values()].find((s) => s.itemId === itemId && s.state === 'ACTIVE');
        if (open)
          throw faults.resourceBusy(`The library item ${itemId} has an active update session, ${open.id}.`);
        const session: UpdateSession = { ...newSession(itemId), files: new Map() };
        remember(updates, session);
        return session.id;
      });
    },

    getUpdateSession(id: string): TransferSessionInfo {
      const s = updateOf(id);
      return info(s, progress(s));
    },

    /** The ids of the update sessions, of one item if given. */
    listUpdateSessions(itemId?: string): string[] {
      expire();
      return [...updates.values()]
        .filter((s) => itemId === undefined || s.itemId === itemId)
        .map((s) => s.id);
    },

    /** File.add: announces a file; PUSH files wait for their bytes. */
    addUpdateFile(sessionId: string, spec: UpdateFileSpec): UpdateFileInfo {
      const s = updateOf(sessionId);
      active(s);
      if (spec.name.trim() === '' || spec.name.includes('/')) throw faults.invalidArgument('file_spec.name');
      if (spec.sourceType !== 'PUSH') throw faults.notSupported('Only PUSH transfers are supported.');
      if (spec.size !== undefined && !(Number.isInteger(spec.size) && spec.size >= 0))
        throw faults.invalidArgument('file_spec.size');
      if (s.files.has(spec.name)) throw faults.alreadyExists(spec.name);
      const file: UpdateFile = {
        name: spec.name,
        sourceType: spec.sourceType,
        status: 'WAITING_FOR_TRANSFER',
        bytesTransferred: 0,
        ...(spec.size === undefined ? {} : { size: spec.size }),
        ...(spec.checksum === undefined ? {} : { checksum: spec.checksum }),
      };
      s.files.set(spec.name, file);
      return fileInfo(file);
    },

    getUpdateFile(sessionId: string, name: string): UpdateFileInfo {
      return fileInfo(fileOf(updateOf(sessionId), name));
    },

    listUpdateFiles(sessionId: string): UpdateFileInfo[] {
      return [...updateOf(sessionId).files.values()].map(fileInfo);
    },

    removeUpdateFile(sessionId: string, name: string): void {
      const s = updateOf(sessionId);
      active(s);
      fileOf(s, name);
      s.files.delete(name);
    },

    /**
     * The bytes of an announced PUSH file arrived. A size or SHA-1 other than announced
     * leaves the file in ERROR; an `.ovf` that reads as a descriptor is kept for the item.
     */
    receiveUpdateFile(sessionId: string, name: string, received: ReceivedFile): UpdateFileInfo {
      const s = updateOf(sessionId);
      active(s);
      const f = fileOf(s, name);
      const size = received.bytes.byteLength;
      const sha1 = received.sha1.toLowerCase();
      let errorMessage: string | undefined;
      if (f.size !== undefined && f.size !== size)
        errorMessage = `The file ${name} has ${size} bytes, ${f.size} were announced.`;
      else if (f.checksum?.algorithm === 'SHA1' && f.checksum.checksum.toLowerCase() !== sha1)
        errorMessage = `The SHA1 checksum of the file ${name} does not match.`;
      const ovf = name.toLowerCase().endsWith('.ovf')
        ? readOvfDescriptor(utf8.decode(received.bytes))
        : undefined;
      const { errorMessage: _, ...previous } = f;
      const next: UpdateFile = {
        ...previous,
        status: errorMessage === undefined ? 'READY' : 'ERROR',
        bytesTransferred: size,
        received: { size, sha1 },
        ...(errorMessage === undefined ? {} : { errorMessage }),
        ...(ovf ? { ovf } : {}),
      };
      s.files.set(name, next);
      return fileInfo(next);
    },

    /** File.validate: what complete would refuse. */
    validateUpdateSession(sessionId: string): UpdateValidation {
      const s = updateOf(sessionId);
      const files = [...s.files.values()];
      const missingFiles = files.filter((f) => f.received === undefined).map((f) => f.name);
      const invalidFiles = files
        .filter((f) => f.status === 'ERROR')
        .map((f) => ({ name: f.name, errorMessage: f.errorMessage ?? 'The file is not valid.' }));
      return { hasErrors: missingFiles.length + invalidFiles.length > 0, missingFiles, invalidFiles };
    },

    /**
     * UpdateSession.complete: files still waiting are NotAllowedInCurrentState; a file in
     * error ends the session in ERROR and leaves the item as it was; otherwise the files
     * go on the item and the session is DONE.
     */
    completeUpdateSession(sessionId: string): void {
      const s = updateOf(sessionId);
      active(s);
      const waiting = [...s.files.values()].find((f) => f.received === undefined);
      if (waiting) throw faults.invalidState(`The file ${waiting.name} has not been uploaded.`);
      const bad = [...s.files.values()].find((f) => f.status === 'ERROR');
      if (bad) {
        s.state = 'ERROR';
        s.errorMessage = bad.errorMessage ?? `The file ${bad.name} is not valid.`;
        return;
      }
      const item = apply(s);
      s.state = 'DONE';
      m.postEvent({
        _type: 'EventEx',
        eventTypeId: 'com.vmware.cl.UpdateLibraryItemEvent',
        severity: 'info',
        objectId: item.id,
        objectType: 'com.vmware.content.library.Item',
        objectName: item.name,
        fullFormattedMessage: `Updated library item ${item.name} in library ${m.store.get(item.library)?.name ?? item.library}`,
      });
    },

    failUpdateSession(sessionId: string, message = 'The client failed the session.'): void {
      const s = updateOf(sessionId);
      active(s);
      s.state = 'ERROR';
      s.errorMessage = message;
    },

    cancelUpdateSession(sessionId: string): void {
      const s = updateOf(sessionId);
      active(s);
      s.state = 'CANCELED';
    },

    keepAliveUpdateSession(sessionId: string): void {
      active(updateOf(sessionId));
    },

    deleteUpdateSession(sessionId: string): void {
      updateOf(sessionId);
      updates.delete(sessionId);
    },

    /** content.library.item.DownloadSession.create */
    createDownloadSession(itemId: string): string {
      return m.call({ method: 'content.library.item.DownloadSession.create', target: itemId }, () => {
        const session: DownloadSession = {
          ...newSession(itemId),
          prepared: new Set(),
          transferred: new Map(),
        };
        remember(downloads, session);
        return session.id;
      });
    },

    getDownloadSession(id: string): TransferSessionInfo {
      const s = downloadOf(id);
      return info(s, s.state === 'DONE' ? 100 : 0);
    },

    listDownloadSessions(itemId?: string): string[] {
      expire();
      return [...downloads.values()]
        .filter((s) => itemId === undefined || s.itemId === itemId)
        .map((s) => s.id);
    },

    listDownloadFiles,

    getDownloadFile,

    /** File.prepare: the file is ready for download at once. */
    prepareDownloadFile(sessionId: string, name: string): DownloadFileInfo {
      const s = downloadOf(sessionId);
      active(s);
      getDownloadFile(sessionId, name);
      s.prepared.add(name);
      return getDownloadFile(sessionId, name);
    },

    /** The transport sent a prepared file's bytes. */
    downloadedFile(sessionId: string, name: string, bytes: number): void {
      const s = downloadOf(sessionId);
      active(s);
      if (!s.prepared.has(name)) throw faults.invalidState(`The file ${name} has not been prepared.`);
      s.transferred.set(name, bytes);
    },

    failDownloadSession(sessionId: string, message = 'The client failed the session.'): void {
      const s = downloadOf(sessionId);
      active(s);
      s.state = 'ERROR';
      s.errorMessage = message;
    },

    cancelDownloadSession(sessionId: string): void {
      const s = downloadOf(sessionId);
      active(s);
      s.state = 'CANCELED';
    },

    keepAliveDownloadSession(sessionId: string): void {
      active(downloadOf(sessionId));
    },

    deleteDownloadSession(sessionId: string): void {
      downloadOf(sessionId);
      downloads.delete(sessionId);
    },
  };
};

export type TransferOperations = ReturnType<typeof transferOperations>;
