/**
 * Cluster modules (vcenter.cluster.modules and vcenter.cluster.modules.vm.members), at the
 * same paths in both URL styles, each endpoint one operation of the model's `clusterModules`:
 *
 * - `POST /vcenter/cluster/modules` with the create spec `{"cluster": "domain-c.."}` (wrapped
 *   as `{"spec": ...}` in `/rest`) answers the new module's id (201 in `/api`); `GET` answers
 *   `{"summaries": [{"cluster", "module"}]}`; `DELETE .../modules/{module}`.
 * - `GET /vcenter/cluster/modules/vm/{module}/members` answers `{"vms": [...]}`; `POST` there
 *   with `{"vms": [...]}` and the action `add` or `remove` answers `{"success": ...}`, false
 *   when the model refused the whole list. `/rest` takes the action as `?~action=`, as its
 *   other routes do, and as `?action=`, which is how govmomi's vapi/cluster sends it.
 *
 * Anything but a cluster is `invalid_argument`, an unknown module `not_found`, a malformed
 * spec or VM list `invalid_argument`: the model's faults through the facade's error table.
 */
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { Reply } from '../styles.js';

const MODULES = '/vcenter/cluster/modules';
const MEMBERS = `${MODULES}/vm/:module/members`;

type MemberAction = 'add' | 'remove';
const MEMBER_ACTIONS: readonly MemberAction[] = ['add', 'remove'];

/** The spec's cluster as sent; the model refuses what is not a cluster's id. */
const clusterOf = (call: Call): string => {
  const spec = call.style.spec(call.body, 'spec') as { cluster?: unknown } | null | undefined;
  return spec?.cluster as string;
};

const changeMembers = (call: Call, action: MemberAction): Reply => {
  const modules = call.vsphere.clusterModules;
  const module = call.params.module as string;
  // Checked by the model, which refuses anything but a list of ids.
  const vms = (call.body as { vms?: unknown } | null | undefined)?.vms as string[];
  const success = action === 'add' ? modules.addMembers(module, vms) : modules.removeMembers(module, vms);
  return { value: { success } };
};

/** `/rest` with govmomi's `?action=` (the style's own `?~action=` is routed as in `/api`). */
const changeMembersByQuery = (call: Call): Reply => {
  const action = call.query.get('action');
  const known = MEMBER_ACTIONS.find((a) => a === action);
  if (known === undefined) {
    throw restError('invalid_argument', `Unknown action '${action ?? ''}' for POST on this resource.`);
  }
  return changeMembers(call, known);
};

export const clusterModuleRoutes: RouteSet = (style): Route[] => [
  {
    method: 'GET',
    path: MODULES,
    run: (call) => ({ value: { summaries: call.vsphere.clusterModules.list() } }),
  },
  {
    method: 'POST',
    path: MODULES,
    run: (call) => ({ value: call.vsphere.clusterModules.create(clusterOf(call)), created: true }),
  },
  {
    method: 'DELETE',
    path: `${MODULES}/:module`,
    run: (call) => {
      call.vsphere.clusterModules.delete(call.params.module as string);
      return {};
    },
  },
  {
    method: 'GET',
    path: MEMBERS,
    run: (call) => ({ value: { vms: call.vsphere.clusterModules.members(call.params.module as string) } }),
  },
  ...MEMBER_ACTIONS.map(
    (action): Route => ({
      method: 'POST',
      path: MEMBERS,
      action,
      run: (call) => changeMembers(call, action),
    }),
  ),
  ...(style === 'rest' ? [{ method: 'POST', path: MEMBERS, run: changeMembersByQuery } satisfies Route] : []),
];
