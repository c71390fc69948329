/**
 * ResourceQuotas of claims, as the API server's ResourceQuota admission plugin and the quota
 * controller count them: a claim uses `persistentvolumeclaims` (and `count/persistentvolumeclaims`)
 * and `requests.storage`, the same again under `<class>.storageclass.storage.k8s.io/` for its
 * storage class. A write that would take a quota's use of a resource past its hard limit is
 * refused; a quota's status tells its hard limits and what the namespace's claims use of those.
 * Quotas with scopes, and resources other than claims', are not counted here.
 */
import { kubeErrors } from './errors.js';
import { PERSISTENT_VOLUME_CLAIM as CLAIM, type StoreReader } from './kinds.js';
import type { KubeObject } from './meta.js';
import { parseQuantity, sumOfQuantities } from './quantity.js';

export const RESOURCE_QUOTA = { apiVersion: 'v1', kind: 'ResourceQuota' } as const;

interface QuotaFields {
  spec?: { hard?: Record<string, string>; scopes?: unknown[]; scopeSelector?: unknown };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** A quota's resources as quantity texts, each a sum of these parts. */
type Usage = Map<string, string[]>;

/** What a claim uses: its storage request and one claim, in all and for its class. */
function claimUsage(claim: KubeObject): Usage {
  const spec = claim.spec as { storageClassName?: unknown; resources?: { requests?: { storage?: unknown } } };
  const storage = spec?.resources?.requests?.storage;
  const usage: Usage = new Map([
    ['persistentvolumeclaims', ['1']],
    ['count/persistentvolumeclaims', ['1']],
  ]);
  if (storage !== undefined) usage.set('requests.storage', [String(storage)]);
  const className = spec?.storageClassName;
  if (typeof className === 'string' && className !== '') {
    const prefix = `${className}.storageclass.storage.k8s.io/`;
    usage.set(`${prefix}persistentvolumeclaims`, ['1']);
    if (storage !== undefined) usage.set(`${prefix}requests.storage`, [String(storage)]);
  }
  return usage;
}

/** What the namespace's claims use, of the resources named. */
function namespaceUsage(claims: readonly KubeObject[], names: readonly string[]): Record<string, string> {
  const parts = new Map<string, string[]>(names.filter(counted).map((name) => [name, []]));
  for (const claim of claims) for (const [name, texts] of claimUsage(claim)) parts.get(name)?.push(...texts);
  const used: Record<string, string> = {};
  for (const [name, texts] of parts) used[name] = texts.length > 0 ? sumOfQuantities(texts) : '0';
  return used;
}

const counted = (name: string) =>
  name === 'requests.storage' ||
  name === 'persistentvolumeclaims' ||
  name === 'count/persistentvolumeclaims' ||
  /^[^/]+\.storageclass\.storage\.k8s\.io\/(?:requests\.storage|persistentvolumeclaims)$/.test(name);

/** Whether a quota counts claims: any quota without scopes. */
const countsClaims = (quota: KubeObject) => {
  const spec = (quota as QuotaFields).spec;
  return !spec?.scopes?.length && spec?.scopeSelector === undefined;
};

const nanos = (text: string | undefined) => (text === undefined ? 0n : (parseQuantity(text)?.nanos ?? 0n));

/** Resources and their quantities as the API server prints them: sorted, `name=quantity`, comma-separated. */
const printed = (list: Record<string, string>) =>
  Object.keys(list)
    .sort()
    .map((name) => `${name}=${list[name]}`)
    .join(',');

/**
 * The ResourceQuota admission of a claim's create or update: refused (403) when what it adds
 * takes a quota of its namespace past one of its hard limits.
 */
export function checkClaimQuota(claim: KubeObject, old: KubeObject | undefined, reader: StoreReader): void {
  const namespace = claim.metadata.namespace as string;
  const quotas = reader.list(RESOURCE_QUOTA.apiVersion, RESOURCE_QUOTA.kind, namespace).filter(countsClaims);
  if (quotas.length === 0) return;
  const before = old ? claimUsage(old) : new Map<string, string[]>();
  const after = claimUsage(claim);
  // As the API server's evaluator subtracts, then drops what is zero: a write is checked only on
  // the resources it adds to.
  const delta = new Map<string, bigint>();
  for (const [name, texts] of after) {
    const added = nanos(texts[0]) - nanos(before.get(name)?.[0]);
    if (added > 0n) delta.set(name, added);
  }
  if (delta.size === 0) return;
  const claims = reader.list(CLAIM.apiVersion, CLAIM.kind, namespace);
  for (const quota of quotas) {
    const hard = (quota as QuotaFields).spec?.hard ?? {};
    const names = Object.keys(hard).filter((name) => delta.has(name));
    if (names.length === 0) continue;
    const used = namespaceUsage(claims, names);
    const exceeded = names.filter(
      (name) => nanos(used[name]) + (delta.get(name) as bigint) > nanos(hard[name]),
    );
    if (exceeded.length === 0) continue;
    // What the write asks: the claim's use less what it used before.
    const requested = Object.fromEntries(
      exceeded.map((name) => {
        const now = after.get(name)?.[0] ?? '0';
        const was = before.get(name)?.[0];
        return [name, was === undefined ? now : sumOfQuantities([now, `-${was.replace(/^\+/, '')}`])];
      }),
    );
    const pick = (list: Record<string, string>) =>
      Object.fromEntries(exceeded.map((name) => [name, list[name] ?? '0']));
    throw kubeErrors.forbidden(
      {
        group: '',
        resource: 'persistentvolumeclaims',
        kind: 'PersistentVolumeClaim',
        name: claim.metadata.name as string,
      },
      `exceeded quota: ${quota.metadata.name}, requested: ${printed(requested)}, used: ${printed(pick(used))}, limited: ${printed(pick(hard))}`,
    );
  }
}

/** A quota's status as the quota controller keeps it: its hard limits, and the claims' use of them. */
export function quotaStatus(quota: KubeObject, reader: StoreReader): QuotaFields['status'] {
  const hard = (quota as QuotaFields).spec?.hard ?? {};
  if (!countsClaims(quota)) return { hard };
  const namespace = quota.metadata.namespace as string;
  const claims = reader.list(CLAIM.apiVersion, CLAIM.kind, namespace);
  return { hard, used: namespaceUsage(claims, Object.keys(hard)) };
}
