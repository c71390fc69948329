/**
 * vCenter's saved guest customization specs over vAPI (vcenter.guest.CustomizationSpecs): the
 * list (`names` and `os_type` filters) and create at `/vcenter/guest/customization-specs`, get,
 * set and delete at `.../{name}`. They are the specs of the model's CustomizationSpecManager, so
 * one made here is one SOAP's GetCustomizationSpec and `.../vm/{vm}/guest/customization` read,
 * and the other way round (the mapping: customization-spec-mapping.ts). The fingerprint is the
 * spec's change version; a set with a stale one is invalid_argument, as the API documents.
 * Export and import are not served.
 */
import { type CustomizationSpecInfo, type CustomizationSpecItem, isVimFault } from '@vsim/vsphere';
import { fieldName, invalid, specOf } from '../content/wire.js';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { Reply } from '../styles.js';
import {
  type Node,
  present,
  required,
  SPELLING,
  specOfVim,
  specToVim,
  text,
} from './customization-spec-mapping.js';
import { type FilterSpec, listMatching } from './filters.js';

const PATH = '/vcenter/guest/customization-specs';
/** vCenter lists at most this many specs; more matches are `unable_to_allocate_resource`. */
const MAX_SPECS = 1000;

// ---- the routes --------------------------------------------------------------------------

const FILTER: FilterSpec<CustomizationSpecInfo> = {
  names: { match: (info, names) => names.has(info.name) },
  [SPELLING.osType.api]: {
    match: (info, types) => types.has(info.type.toUpperCase()),
    allowed: ['LINUX', 'WINDOWS'],
    aliases: [SPELLING.osType.rest],
  },
};

const lastModified = (info: CustomizationSpecInfo) => info.lastUpdateTime ?? new Date(0).toISOString();

const summaries = (call: Call): Reply => ({
  value: listMatching(
    call,
    call.vsphere.customizationSpecs.list(),
    FILTER,
    (info) => ({
      name: info.name,
      description: info.description,
      [SPELLING.osType[call.style.name]]: info.type.toUpperCase(),
      last_modified: lastModified(info),
    }),
    MAX_SPECS,
    'customization specifications',
  ),
});

/** The request's CreateSpec or Spec: wrapped as `{"spec": ...}` in `/rest`, bare in `/api`. */
const bodyOf = (call: Call): Node => ({
  json: specOf(call, 'spec'),
  style: call.style.name,
  name: (key) => fieldName(call, 'spec', key),
});

const create = (call: Call): Reply => {
  const body = bodyOf(call);
  const name = text(body, 'name', true) as string;
  const description = present(body, 'description');
  const { type, spec } = specToVim(required(body, 'spec'));
  call.vsphere.customizationSpecs.create({ info: { name, description, type }, spec });
  return { value: name, created: true };
};

const get = (call: Call): Reply => {
  const { info, spec }: CustomizationSpecItem = call.vsphere.customizationSpecs.get(call.params.name ?? '');
  return {
    value: {
      last_modified: lastModified(info),
      spec: {
        fingerprint: info.changeVersion ?? '',
        spec: specOfVim(call.style.name, spec),
        description: info.description,
        name: info.name,
      },
    },
  };
};

/** Overwrites the spec as of the fingerprint the client read; the name stays the path's. */
const set = (call: Call): Reply => {
  const name = call.params.name ?? '';
  const body = bodyOf(call);
  const fingerprint = text(body, 'fingerprint', true) as string;
  if (text(body, 'name', true) !== name)
    throw invalid(body.name('name'), `must be '${name}', the name in the path (a set does not rename)`);
  const description = present(body, 'description');
  const { type, spec } = specToVim(required(body, 'spec'));
  try {
    call.vsphere.customizationSpecs.overwrite({
      info: { name, description, type, changeVersion: fingerprint },
      spec,
    });
  } catch (error) {
    if (!isVimFault(error, 'ConcurrentAccess')) throw error;
    throw restError(
      'invalid_argument',
      `The customization specification '${name}' has changed since fingerprint '${fingerprint}' was read; get it again.`,
      undefined,
      [name, fingerprint],
    );
  }
  return {};
};

const remove = (call: Call): Reply => {
  call.vsphere.customizationSpecs.delete(call.params.name ?? '');
  return {};
};

export const customizationSpecRoutes: RouteSet = (): Route[] => [
  { method: 'GET', path: PATH, run: summaries },
  { method: 'POST', path: PATH, run: create },
  { method: 'GET', path: `${PATH}/:name`, run: get },
  { method: 'PUT', path: `${PATH}/:name`, run: set },
  { method: 'DELETE', path: `${PATH}/:name`, run: remove },
];
