/** Work-queue keys for Kubernetes objects: `namespace/name`, or `name` for cluster-scoped ones. */

import { flat } from '@vsim/vsphere';

export interface ObjectKey {
  namespace?: string;
  name: string;
}

export function objectKey(ref: { namespace?: string | undefined; name: string }): string {
  return ref.namespace ? flat(`${ref.namespace}/${ref.name}`) : ref.name;
}

export function parseObjectKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
