/**
 * The Supervisor's custom resources are served with the fields their CRDs declare and their
 * defaults, so that the store drops the rest of what it is sent and fills in what is missing, as
 * the API server does (see store/schema-shape.ts).
 */
import { CRD_SHAPES } from '../generated/crd-shapes.js';
import type { KindDefinition, KindInfo } from '../store/kinds.js';
import type { KubeStore } from '../store/kube-store.js';
import type { SchemaShape } from '../store/schema-shape.js';

export const registerCustomResource = (
  store: KubeStore,
  definition: KindDefinition,
  withoutSpecFields: readonly string[] = [],
): KindInfo => {
  const shapes = CRD_SHAPES[`${definition.group}/${definition.kind}`];
  return store.registerKind({
    ...definition,
    shapes: shapes && withoutSpecFields.length ? withoutFields(shapes, withoutSpecFields) : shapes,
  });
};

/**
 * The shapes with `spec` fields left out, as vm-operator removes the fields of capabilities a
 * Supervisor lacks from its CRDs: the API server then prunes them.
 */
function withoutFields(
  shapes: Readonly<Record<string, SchemaShape>>,
  names: readonly string[],
): Record<string, SchemaShape> {
  const out: Record<string, SchemaShape> = {};
  for (const [version, shape] of Object.entries(shapes)) {
    const spec = shape === 0 ? undefined : shape.f?.spec;
    if (shape === 0 || !spec || !spec.f) {
      out[version] = shape;
      continue;
    }
    const fields = { ...spec.f };
    for (const name of names) delete fields[name];
    out[version] = { ...shape, f: { ...shape.f, spec: { ...spec, f: fields } } };
  }
  return out;
}
