/**
 * Update sessions (`library/item/update-session` and its files, `updatesession/file` in
 * `/rest`) and download sessions (`library/item/download-session`, `downloadsession/file`).
 * Adding a PUSH file answers an `upload_endpoint` on this server; preparing a file for
 * download answers a `download_endpoint`. See ./transfer.ts for the bytes.
 */
import type { DownloadFileInfo, UpdateFileInfo, UpdateValidation } from '@vsim/vsphere';
import type { Call, Route, RouteSet } from '../routes.js';
import { DOWNLOAD_PREFIX, UPLOAD_PREFIX } from './transfer.js';
import {
  baseUrl,
  bodyField,
  checksumJson,
  fieldName,
  int,
  invalid,
  isObject,
  messageJson,
  obj,
  pathId,
  sessionJson,
  specOf,
  str,
} from './wire.js';

const endpoint = (call: Call, prefix: string, session: string, file: string) => ({
  uri: `${baseUrl(call)}${prefix}/${encodeURIComponent(session)}/${encodeURIComponent(file)}`,
});

const updateFileJson = (call: Call, session: string, f: UpdateFileInfo) => ({
  name: f.name,
  source_type: f.sourceType,
  status: f.status,
  bytes_transferred: f.bytesTransferred,
  ...(f.size === undefined ? {} : { size: f.size }),
  ...checksumJson(f),
  ...(f.errorMessage === undefined ? {} : { error_message: messageJson(f.errorMessage) }),
  ...(f.sourceType === 'PUSH' ? { upload_endpoint: endpoint(call, UPLOAD_PREFIX, session, f.name) } : {}),
});

const downloadFileJson = (call: Call, session: string, f: DownloadFileInfo) => ({
  name: f.name,
  size: f.size,
  status: f.status,
  bytes_transferred: f.bytesTransferred,
  ...checksumJson(f),
  ...(f.status === 'PREPARED' ? { download_endpoint: endpoint(call, DOWNLOAD_PREFIX, session, f.name) } : {}),
});

const validationJson = (v: UpdateValidation) => ({
  has_errors: v.hasErrors,
  missing_files: v.missingFiles,
  invalid_files: v.invalidFiles.map((f) => ({ name: f.name, error_message: messageJson(f.errorMessage) })),
});

const ALGORITHMS = ['SHA1', 'MD5', 'SHA256', 'SHA512'] as const;

const addFile = (call: Call) => {
  const session = pathId(call, 'id');
  const key = 'file_spec';
  const spec = specOf(call, key);
  const name = str(spec, 'name', fieldName(call, key, 'name'), true) as string;
  const sourceType = str(spec, 'source_type', fieldName(call, key, 'source_type'), true) as string;
  if (sourceType !== 'PUSH' && sourceType !== 'PULL')
    throw invalid(fieldName(call, key, 'source_type'), 'must be PUSH or PULL');
  const size = int(spec, 'size', fieldName(call, key, 'size'));
  const sum = obj(spec, 'checksum_info', fieldName(call, key, 'checksum_info'));
  let checksum: { algorithm: (typeof ALGORITHMS)[number]; checksum: string } | undefined;
  if (sum) {
    const field = fieldName(call, key, 'checksum_info');
    const algorithm = str(sum, 'algorithm', `${field}.algorithm`) ?? 'SHA1';
    if (!(ALGORITHMS as readonly string[]).includes(algorithm)) throw invalid(`${field}.algorithm`);
    const value = str(sum, 'checksum', `${field}.checksum`, true) as string;
    checksum = { algorithm: algorithm as (typeof ALGORITHMS)[number], checksum: value.toLowerCase() };
  }
  const info = call.vsphere.library.addUpdateFile(session, {
    name,
    sourceType,
    ...(size === undefined ? {} : { size }),
    ...(checksum === undefined ? {} : { checksum }),
  });
  return { value: updateFileJson(call, session, info) };
};

const createSession = (call: Call, kind: 'update' | 'download') => {
  const key = 'create_spec';
  const spec = specOf(call, key);
  const item = str(spec, 'library_item_id', fieldName(call, key, 'library_item_id'), true) as string;
  const lib = call.vsphere.library;
  return {
    value: kind === 'update' ? lib.createUpdateSession(item) : lib.createDownloadSession(item),
    created: true,
  };
};

const failMessage = (call: Call) => {
  const message = isObject(call.body) ? call.body.client_error_message : undefined;
  if (message !== undefined && typeof message !== 'string') throw invalid('client_error_message');
  return message;
};

/** The session actions both kinds share: cancel, fail, keep-alive; complete for updates. */
const sessionActions = (path: string, kind: 'update' | 'download'): Route[] => {
  const lib = (call: Call) => call.vsphere.library;
  const ops = {
    cancel: (call: Call, id: string) =>
      kind === 'update' ? lib(call).cancelUpdateSession(id) : lib(call).cancelDownloadSession(id),
    fail: (call: Call, id: string) => {
      const message = failMessage(call);
      if (kind === 'update') lib(call).failUpdateSession(id, message);
      else lib(call).failDownloadSession(id, message);
    },
    'keep-alive': (call: Call, id: string) =>
      kind === 'update' ? lib(call).keepAliveUpdateSession(id) : lib(call).keepAliveDownloadSession(id),
    ...(kind === 'update'
      ? { complete: (call: Call, id: string) => lib(call).completeUpdateSession(id) }
      : {}),
  };
  return Object.entries(ops).map(
    ([action, run]): Route => ({
      method: 'POST',
      path,
      action,
      run: (call) => {
        run(call, pathId(call, 'id'));
        return {};
      },
    }),
  );
};

const sessionRoutes = (base: string, kind: 'update' | 'download'): Route[] => {
  const lib = (call: Call) => call.vsphere.library;
  const one = `${base}/:id`;
  return [
    { method: 'POST', path: base, run: (call) => createSession(call, kind) },
    {
      method: 'GET',
      path: base,
      run: (call) => {
        const item = call.query.get('library_item_id') ?? undefined;
        return {
          value:
            kind === 'update' ? lib(call).listUpdateSessions(item) : lib(call).listDownloadSessions(item),
        };
      },
    },
    {
      method: 'GET',
      path: one,
      run: (call) => {
        const id = pathId(call, 'id');
        return {
          value: sessionJson(
            kind === 'update' ? lib(call).getUpdateSession(id) : lib(call).getDownloadSession(id),
          ),
        };
      },
    },
    {
      method: 'DELETE',
      path: one,
      run: (call) => {
        const id = pathId(call, 'id');
        if (kind === 'update') lib(call).deleteUpdateSession(id);
        else lib(call).deleteDownloadSession(id);
        return {};
      },
    },
    ...sessionActions(one, kind),
  ];
};

const updateFiles = (call: Call, session: string) =>
  call.vsphere.library.listUpdateFiles(session).map((f) => updateFileJson(call, session, f));

const downloadFiles = (call: Call, session: string) =>
  call.vsphere.library.listDownloadFiles(session).map((f) => downloadFileJson(call, session, f));

const getUpdateFile = (call: Call, session: string, name: string) => ({
  value: updateFileJson(call, session, call.vsphere.library.getUpdateFile(session, name)),
});

const getDownloadFile = (call: Call, session: string, name: string) => ({
  value: downloadFileJson(call, session, call.vsphere.library.getDownloadFile(session, name)),
});

const prepare = (call: Call) => {
  const session = pathId(call, 'id');
  const name = bodyField(call, 'file_name');
  const type = isObject(call.body) ? call.body.endpoint_type : undefined;
  if (type !== undefined && type !== 'HTTPS' && type !== 'DIRECT') throw invalid('endpoint_type');
  return { value: downloadFileJson(call, session, call.vsphere.library.prepareDownloadFile(session, name)) };
};

const removeFile = (call: Call, session: string, name: string) => {
  call.vsphere.library.removeUpdateFile(session, name);
  return {};
};

const validate = (call: Call) => ({
  value: validationJson(call.vsphere.library.validateUpdateSession(pathId(call, 'id'))),
});

export const transferSessionRoutes: RouteSet = (style): Route[] => {
  if (style === 'rest') {
    const base = '/com/vmware/content/library/item';
    const up = `${base}/updatesession/file`;
    const down = `${base}/downloadsession/file`;
    const queried = (call: Call, key: string) => {
      const id = call.query.get(key);
      if (!id) throw invalid(key);
      return id;
    };
    return [
      ...sessionRoutes(`${base}/update-session`, 'update'),
      ...sessionRoutes(`${base}/download-session`, 'download'),
      { method: 'POST', path: `${up}/:id`, action: 'add', run: addFile },
      {
        method: 'POST',
        path: `${up}/:id`,
        action: 'get',
        run: (call) => getUpdateFile(call, pathId(call, 'id'), bodyField(call, 'file_name')),
      },
      {
        method: 'POST',
        path: `${up}/:id`,
        action: 'remove',
        run: (call) => removeFile(call, pathId(call, 'id'), bodyField(call, 'file_name')),
      },
      { method: 'POST', path: `${up}/:id`, action: 'validate', run: validate },
      {
        method: 'POST',
        path: `${up}/:id`,
        action: 'list',
        run: (call) => ({ value: updateFiles(call, pathId(call, 'id')) }),
      },
      {
        method: 'GET',
        path: up,
        run: (call) => ({ value: updateFiles(call, queried(call, 'update_session_id')) }),
      },
      { method: 'POST', path: `${down}/:id`, action: 'prepare', run: prepare },
      {
        method: 'POST',
        path: `${down}/:id`,
        action: 'get',
        run: (call) => getDownloadFile(call, pathId(call, 'id'), bodyField(call, 'file_name')),
      },
      {
        method: 'POST',
        path: `${down}/:id`,
        action: 'list',
        run: (call) => ({ value: downloadFiles(call, pathId(call, 'id')) }),
      },
      {
        method: 'GET',
        path: down,
        run: (call) => ({ value: downloadFiles(call, queried(call, 'download_session_id')) }),
      },
    ];
  }
  const up = '/content/library/item/update-session';
  const down = '/content/library/item/download-session';
  return [
    ...sessionRoutes(up, 'update'),
    ...sessionRoutes(down, 'download'),
    { method: 'POST', path: `${up}/:id/file`, action: 'add', run: addFile },
    { method: 'POST', path: `${up}/:id/file`, action: 'validate', run: validate },
    {
      method: 'GET',
      path: `${up}/:id/file`,
      run: (call) => ({ value: updateFiles(call, pathId(call, 'id')) }),
    },
    {
      method: 'GET',
      path: `${up}/:id/file/:name`,
      run: (call) => getUpdateFile(call, pathId(call, 'id'), call.params.name ?? ''),
    },
    {
      method: 'DELETE',
      path: `${up}/:id/file/:name`,
      run: (call) => removeFile(call, pathId(call, 'id'), call.params.name ?? ''),
    },
    { method: 'POST', path: `${down}/:id/file`, action: 'prepare', run: prepare },
    {
      method: 'GET',
      path: `${down}/:id/file`,
      run: (call) => {
        const name = call.query.get('file_name');
        const session = pathId(call, 'id');
        return name ? getDownloadFile(call, session, name) : { value: downloadFiles(call, session) };
      },
    },
  ];
};
