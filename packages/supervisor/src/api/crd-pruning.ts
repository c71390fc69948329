/**
 * The Supervisor's custom resources are served with the fields their CRDs declare, so that the
 * store drops the rest of what it is sent, as the API server prunes it (see store/pruning.ts).
 */
import { CRD_PRUNING } from '../generated/crd-pruning.js';
import type { KindDefinition, KindInfo } from '../store/kinds.js';
import type { KubeStore } from '../store/kube-store.js';

export const registerCustomResource = (store: KubeStore, definition: KindDefinition): KindInfo =>
  store.registerKind({ ...definition, pruning: CRD_PRUNING[`${definition.group}/${definition.kind}`] });
