/**
 * VM storage policies (vcenter.storage.policies): `GET /vcenter/storage/policies` in both URL
 * styles, the model's policies as `{policy, name, description}` summaries, filtered by id
 * (`policies=` in `/api`, `filter.policies=` in `/rest`), at most 1024 as vCenter answers.
 */
import type { StoragePolicySummary } from '@vsim/vsphere';
import type { Route, RouteSet } from '../routes.js';
import { type FilterSpec, listMatching } from './filters.js';

const FILTER: FilterSpec<StoragePolicySummary> = {
  policies: { match: (policy, ids) => ids.has(policy.policy) },
};

export const storagePolicyRoutes: RouteSet = (): Route[] => [
  {
    method: 'GET',
    path: '/vcenter/storage/policies',
    run: (call) => ({
      value: listMatching(
        call,
        call.vsphere.storagePolicies.list(),
        FILTER,
        (policy) => policy,
        1024,
        'storage policies',
      ),
    }),
  },
];
