/**
 * `/folder/<path>?dcPath=<datacenter>&dsName=<datastore>`: a datastore's files over HTTP, as
 * vCenter serves them to `govc datastore.upload` and `download` and to govmomi's
 * Datastore.Upload and Download. GET and HEAD read a file (a folder: an HTML list of its
 * entries), PUT writes one (201 when new, 200 when replaced; the folders above it are made),
 * DELETE removes a file or a folder with all below it. A SOAP session is needed, its cookie as
 * govmomi sends it. The files are the model's (see @vsim/vsphere's file manager).
 */
import { sessionKeyOf } from '@vsim/soap';
import { type DatastoreItem, isVimFault, type VSphere } from '@vsim/vsphere';
import type { RouteHandler } from './http/router.js';
import type { PlainRequest, PlainResponse } from './http/types.js';

export interface DatastoreFolderOptions {
  /** Larger uploads get 413 and change nothing. */
  readonly maxBodyBytes: number;
}

const text = (status: number, message: string, headers: Record<string, string> = {}): PlainResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: `${message}\n`,
});

/** The HTTP status of a file fault: what is not there, a bad path, or a file in the way. */
const statusOf = (type: string): number => {
  switch (type) {
    case 'FileNotFound':
    case 'InvalidDatastore':
      return 404;
    case 'InvalidDatastorePath':
      return 400;
    case 'FileAlreadyExists':
    case 'CannotCreateFile':
    case 'CannotDeleteFile':
    case 'FileLocked':
      return 409;
    default:
      return 500;
  }
};

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A folder as a page of links, each keeping the request's query. */
const listing = (
  path: string,
  query: string,
  item: Extract<DatastoreItem, { folder: true }>,
): PlainResponse => {
  // The folder's own path, as its entries', is escaped segment by segment: names may hold `?`, `#`, `%`.
  const base = path ? `${path.split('/').map(encodeURIComponent).join('/')}/` : '';
  const links = [...item.entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => {
      const name = entry.folder ? `${entry.name}/` : entry.name;
      const href = `/folder/${base}${encodeURIComponent(entry.name)}${entry.folder ? '/' : ''}?${query}`;
      return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
    });
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<html><body><h1>/${escapeHtml(path)}</h1><ul>${links.join('')}</ul></body></html>\n`,
  };
};

export const datastoreFolderRoute =
  (vsphere: VSphere, options: DatastoreFolderOptions): RouteHandler =>
  (req: PlainRequest, params) => {
    const key = sessionKeyOf(req.headers);
    if (key === undefined || !vsphere.sessions.isActive(key))
      return text(401, 'A session is needed: log in over /sdk and send its vmware_soap_session cookie.');
    const session = vsphere.sessions.authenticate(key);
    let path: string;
    try {
      path = decodeURIComponent(params['*'] ?? '');
    } catch {
      return text(400, 'The path is not well encoded.');
    }
    const query = new URLSearchParams(req.query);
    const caller = { userName: session.userName, sessionKey: session.key };
    try {
      return vsphere.runAs(caller, () => {
        const ds = vsphere.files.datastoreAt(
          query.get('dcPath') ?? undefined,
          query.get('dsName') ?? undefined,
        );
        switch (req.method) {
          case 'GET':
          case 'HEAD': {
            const item = vsphere.files.download(ds.id, path);
            if (item.folder) return listing(path.replace(/^\/+|\/+$/g, ''), req.query, item);
            return {
              status: 200,
              headers: {
                'content-type': 'application/octet-stream',
                'content-length': String(item.bytes.byteLength),
                'last-modified': new Date(item.modified).toUTCString(),
              },
              body: req.method === 'HEAD' ? '' : item.bytes,
            };
          }
          case 'PUT': {
            if (req.body.byteLength > options.maxBodyBytes)
              return text(413, `The file is larger than ${options.maxBodyBytes} bytes.`);
            const { created } = vsphere.files.upload(ds.id, path, req.body);
            return { status: created ? 201 : 200, headers: {}, body: '' };
          }
          case 'DELETE':
            vsphere.files.remove(ds.id, path);
            return { status: 204, headers: {}, body: '' };
          default:
            return text(405, `${req.method} is not served here.`, { allow: 'DELETE, GET, HEAD, PUT' });
        }
      });
    } catch (error) {
      if (!isVimFault(error)) throw error;
      return text(statusOf(error.fault._type), error.message);
    }
  };
