/**
 * The Supervisor's custom resources are served with the fields their CRDs declare and their
 * defaults, so that the store drops the rest of what it is sent and fills in what is missing, as
 * the API server does (see store/schema-shape.ts).
 */
import { CRD_SHAPES } from '../generated/crd-shapes.js';
import type { KindDefinition, KindInfo } from '../store/kinds.js';
import type { KubeStore } from '../store/kube-store.js';

export const registerCustomResource = (store: KubeStore, definition: KindDefinition): KindInfo =>
  store.registerKind({ ...definition, shapes: CRD_SHAPES[`${definition.group}/${definition.kind}`] });
