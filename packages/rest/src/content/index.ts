/**
 * The content library service of the REST facade: its routes in both styles (items and
 * sessions before libraries, whose `:id` would take their names) plus the OVF and VM template
 * library item services, and the transfer handler the router mounts for upload and download
 * endpoints.
 */
import type { VSphere } from '@vsim/vsphere';
import { ovfRoutes } from '../ovf/library-item.js';
import type { RouteSet } from '../routes.js';
import { vmTemplateRoutes } from '../vm-template/library-items.js';
import { itemRoutes } from './item.js';
import { libraryRoutes } from './library.js';
import { transferSessionRoutes } from './sessions.js';
import { BlobStore, DOWNLOAD_PREFIX, transferHandler, UPLOAD_PREFIX } from './transfer.js';

export { DOWNLOAD_PREFIX, UPLOAD_PREFIX };

/** Uploaded bytes kept in memory, in all, by default. */
export const DEFAULT_MAX_CONTENT_BYTES = 256 * 1024 * 1024;

export const createContentService = (vsphere: VSphere, maxContentBytes = DEFAULT_MAX_CONTENT_BYTES) => {
  const blobs = new BlobStore(maxContentBytes);
  const routes: RouteSet = (style) => [
    ...transferSessionRoutes(style),
    ...itemRoutes(style),
    ...libraryRoutes(style),
    ...ovfRoutes(style),
    ...vmTemplateRoutes(style),
  ];
  return { routes, transfer: transferHandler(vsphere, blobs), blobs };
};
