/**
 * `/folder/<path>?dcPath=<datacenter>&dsName=<datastore>`: a datastore's files over HTTP, as
 * vCenter serves them to `govc datastore.upload` and `download` and to govmomi's
 * Datastore.Upload and Download. GET and HEAD read a file (a folder: an HTML list of its
 * entries), PUT writes one (201 when new, 200 when replaced; the folders above it are made),
 * DELETE removes a file or a folder with all below it. `/folder` alone lists the datacenters,
 * `/folder?dcPath=<datacenter>` its datastores. A SOAP session is needed, its cookie as govmomi
 * sends it, or a service ticket for the request (AcquireGenericServiceTicket) in the
 * `vmware_cgi_ticket` cookie. The files are the model's (see @vsim/vsphere's file manager).
 */
import { cookieOf, sessionKeyOf } from '@vsim/soap';
import {
  type DatastoreItem,
  datacenterOf,
  findByInventoryPath,
  inventoryPath,
  isVimFault,
  type UserSession,
  type VSphere,
} from '@vsim/vsphere';
import type { RouteHandler } from './http/router.js';
import type { PlainRequest, PlainResponse } from './http/types.js';

/** The cookie a service ticket is sent in, as the API reference names it for HTTP services. */
const SERVICE_TICKET_COOKIE = 'vmware_cgi_ticket';

export interface DatastoreFolderOptions {
  /** Larger uploads get 413 and change nothing. */
  readonly maxBodyBytes: number;
}

const text = (status: number, message: string, headers: Record<string, string> = {}): PlainResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: `${message}\n`,
});

/** The HTTP status of a file fault: what is not there, a bad path, a file in the way, or no room. */
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
    case 'NoDiskSpace':
      return 507;
    default:
      return 500;
  }
};

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const page = (title: string, links: readonly { href: string; name: string }[]): PlainResponse => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<html><body><h1>${escapeHtml(title)}</h1><ul>${links
    .map(({ href, name }) => `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`)
    .join('')}</ul></body></html>\n`,
});

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A folder as a page of links, each keeping the request's query. */
const listing = (
  path: string,
  query: string,
  item: Extract<DatastoreItem, { folder: true }>,
): PlainResponse => {
  // The folder's own path, as its entries', is escaped segment by segment: names may hold `?`, `#`, `%`.
  const base = path ? `${path.split('/').map(encodeURIComponent).join('/')}/` : '';
  const links = [...item.entries].sort(byName).map((entry) => ({
    name: entry.folder ? `${entry.name}/` : entry.name,
    href: `/folder/${base}${encodeURIComponent(entry.name)}${entry.folder ? '/' : ''}?${query}`,
  }));
  return page(`/${path}`, links);
};

/** `/folder`: the datacenters, each a link by its inventory path (`DC0`, `folder/DC0`). */
const datacenterListing = (vsphere: VSphere): PlainResponse => {
  const links = [...vsphere.store.ofKind('Datacenter')].map((dc) => {
    const name = inventoryPath(vsphere.store, dc.id).slice(1);
    return { name, href: `/folder?dcPath=${encodeURIComponent(name)}` };
  });
  return page('Datacenters', links.sort(byName));
};

/** `/folder?dcPath=<dc>`: the datacenter's datastores, 404 when there is no such datacenter. */
const datastoreListing = (vsphere: VSphere, dcPath: string): PlainResponse => {
  const dc = findByInventoryPath(vsphere.store, dcPath);
  if (dc?.kind !== 'Datacenter') return text(404, `No datacenter is at '${dcPath}'.`);
  const query = `dcPath=${encodeURIComponent(dcPath)}`;
  const links = [...vsphere.store.ofKind('Datastore')]
    .filter((ds) => datacenterOf(vsphere.store, ds.id)?.id === dc.id)
    .map(({ name }) => ({ name, href: `/folder?${query}&dsName=${encodeURIComponent(name)}` }));
  return page(dcPath, links.sort(byName));
};

/**
 * The session a request acts for: a service ticket's, which it spends (a bad one is refused
 * even beside a session cookie), else the SOAP session's.
 */
const sessionOf = (vsphere: VSphere, req: PlainRequest): UserSession | undefined => {
  const ticket = cookieOf(req.headers, SERVICE_TICKET_COOKIE);
  if (ticket !== undefined)
    return vsphere.sessions.spendServiceTicket(ticket, {
      method: req.method,
      url: req.query ? `${req.path}?${req.query}` : req.path,
    });
  const key = sessionKeyOf(req.headers);
  return key !== undefined && vsphere.sessions.isActive(key) ? vsphere.sessions.authenticate(key) : undefined;
};

export const datastoreFolderRoute =
  (vsphere: VSphere, options: DatastoreFolderOptions): RouteHandler =>
  (req: PlainRequest, params) => {
    const session = sessionOf(vsphere, req);
    if (!session)
      return text(
        401,
        'A session is needed: log in over /sdk and send its vmware_soap_session cookie, or a service ticket for this request as vmware_cgi_ticket.',
      );
    let path: string;
    try {
      path = decodeURIComponent(params['*'] ?? '');
    } catch {
      return text(400, 'The path is not well encoded.');
    }
    const query = new URLSearchParams(req.query);
    const dcPath = query.get('dcPath') ?? undefined;
    const dsName = query.get('dsName') ?? undefined;
    const caller = { userName: session.userName, sessionKey: session.key };
    try {
      return vsphere.runAs(caller, () => {
        if (dsName === undefined && path.replace(/^\/+/, '') === '') {
          if (req.method !== 'GET' && req.method !== 'HEAD')
            return text(405, `${req.method} is not served on a listing.`, { allow: 'GET, HEAD' });
          return dcPath === undefined ? datacenterListing(vsphere) : datastoreListing(vsphere, dcPath);
        }
        const ds = vsphere.files.datastoreAt(dcPath, dsName);
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
            // A PUT names a file: a folder's path would otherwise store a file under the folder's name.
            if (path === '' || path.endsWith('/'))
              return text(400, `A PUT needs a file's path; '${path}' names a folder.`);
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
