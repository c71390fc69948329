#!/usr/bin/python3
"""Writes src/generated/crd-shapes.ts: which fields each custom resource's schema declares,
by group, kind and version, as the API server prunes what a structural schema does not declare,
and the defaults it fills in.

Run it with `pnpm --filter @vsim/supervisor generate-crd-shapes <vm-operator checkout>`, the
checkout at the revision whose API the simulator serves. It reads the CustomResourceDefinitions
of config/crd/bases (vm-operator's kinds) and config/crd/external-crds (the kinds of the
Supervisor's other services that vm-operator reads: net-operator, topology, CNS, the image
registry, the Supervisor's properties, encryption classes and storage policies; the groups in
GROUPS), with PyYAML (Debian's python3-yaml).

A schema is reduced to what pruning and defaulting read (see src/store/schema-shape.ts):
  * 0: a value kept whole (a scalar, a quantity, a map of scalars, an object that preserves
    unknown fields and declares none);
  * {"f": {...}}: an object that keeps the declared fields alone, each pruned by its own schema
    ({"f": {}} keeps nothing, as the API server prunes an object whose schema declares nothing);
    "u": 1 besides when it also preserves unknown fields;
  * {"m": ...}: a map whose values are pruned by that schema;
  * {"i": ...}: a list whose items are pruned by that schema;
  * besides, in any of these, or alone for a value kept whole: "t" its JSON type by its first
    letter (o, a, s, i, n, b), "q" 1 for an integer or a string, 2 for a quantity (one of the
    pattern controller-gen gives a resource.Quantity), "d" its default, "c" the rest of what
    the API server validates of it (CEL rules aside): its enum, required fields, bounds, lengths,
    item and property counts, pattern, the formats it checks of strings (date-time, uuid,
    byte), and a list's uniqueness (a set's items, a map's keys); a whole object's "c" also
    says whether its schema has CEL rules anywhere ("rules").
The root's `metadata` is left out: the API server holds every object's metadata to ObjectMeta,
whatever its schema says. Subtrees that appear more than once are written once, as constants.
Output is sorted, so reruns are byte-identical.

Usage: generate-crd-shapes.py VM_OPERATOR_DIR [--revision TEXT] [--out FILE]
  --revision names the checkout's revision in the output's header (default: `git rev-parse`
  of the directory, when it is a git checkout).
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, '..', 'src', 'generated', 'crd-shapes.ts')
# The groups whose kinds the Supervisor serves (the others of external-crds it does not).
GROUPS = (
    'appplatform.vmware.com',
    'cns.vmware.com',
    'encryption.vmware.com',
    'imageregistry.vmware.com',
    'infra.vmware.com',
    'netoperator.vmware.com',
    'topology.tanzu.vmware.com',
    'vmoperator.vmware.com',
)


# A JSON type by the letter the shapes give it.
TYPES = {'object': 'o', 'array': 'a', 'string': 's', 'integer': 'i', 'number': 'n', 'boolean': 'b'}
# The pattern controller-gen gives a resource.Quantity.
QUANTITY_PATTERN = (
    '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'
)


def shape(schema):
    """The shape of a structural schema: what pruning keeps, the defaults it gives, the types."""
    out = declared(schema)
    extra = {}
    if schema.get('x-kubernetes-int-or-string') is True:
        extra['q'] = 2 if schema.get('pattern') == QUANTITY_PATTERN else 1
    elif schema.get('type') in TYPES:
        extra['t'] = TYPES[schema['type']]
    if 'default' in schema:
        extra['d'] = schema['default']
    checks = constraints(schema, extra.get('q') == 2)
    if checks:
        extra['c'] = checks
    if not extra:
        return out
    return extra if out == 0 else {**out, **extra}


# Schema keywords the API server validates, kept under their own names in a shape's "c".
CONSTRAINTS = (
    'enum', 'required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
    'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
)
# The string formats the API server checks (of those the CRDs use: int32 and int64 are not).
STRING_FORMATS = ('date-time', 'uuid', 'byte')


def constraints(schema, quantity):
    """What the API server validates of a value beyond its type and its CEL rules."""
    out = {}
    for keyword in CONSTRAINTS:
        if keyword in schema and not (keyword == 'pattern' and quantity):
            out[keyword] = schema[keyword]
    if schema.get('type') == 'string' and schema.get('format') in STRING_FORMATS:
        out['format'] = schema['format']
    list_type = schema.get('x-kubernetes-list-type')
    if list_type == 'set':
        out['set'] = True
    elif list_type == 'map':
        out['mapKeys'] = schema.get('x-kubernetes-list-map-keys') or []
    return out


def declared(schema):
    """What pruning keeps of a value of the schema."""
    preserve = schema.get('x-kubernetes-preserve-unknown-fields') is True
    props = schema.get('properties')
    if props is not None:
        fields = {name: shape(sub) for name, sub in props.items()}
        if schema.get('x-kubernetes-embedded-resource') is True:
            for name in ('apiVersion', 'kind', 'metadata'):
                fields.setdefault(name, 0)
        return {'f': fields, 'u': 1} if preserve else {'f': fields}
    if preserve:
        return 0
    extra = schema.get('additionalProperties')
    if extra is not None:
        if extra is True or extra == {}:
            return 0
        values = shape(extra)
        return 0 if values == 0 else {'m': values}
    if schema.get('type') == 'object':
        return {'f': {}}
    if schema.get('type') == 'array':
        items = shape(schema.get('items') or {})
        return 0 if items == 0 else {'i': items}
    return 0


def has_rules(schema):
    """Whether a schema has CEL rules anywhere (the API server then runs them, or says it did not)."""
    if not isinstance(schema, dict):
        return False
    if schema.get('x-kubernetes-validations'):
        return True
    subs = list((schema.get('properties') or {}).values())
    subs += [schema[k] for k in ('items', 'additionalProperties') if isinstance(schema.get(k), dict)]
    return any(has_rules(sub) for sub in subs)


def root_shape(schema):
    fields = shape(schema)
    if fields == 0:
        return 0
    fields['f'].pop('metadata', None)
    if has_rules(schema):
        fields.setdefault('c', {})['rules'] = True
    return fields


def read_crds(root):
    shapes = {}
    files = sorted(glob.glob(os.path.join(root, 'config', 'crd', 'bases', '*.yaml')))
    files += sorted(glob.glob(os.path.join(root, 'config', 'crd', 'external-crds', '*.yaml')))
    if not files:
        sys.exit(f'no CustomResourceDefinitions under {root}/config/crd')
    for path in files:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get('kind') != 'CustomResourceDefinition':
                    continue
                spec = doc['spec']
                if spec['group'] not in GROUPS:
                    continue
                key = f"{spec['group']}/{spec['names']['kind']}"
                for version in spec['versions']:
                    if not version.get('served', True):
                        continue
                    schema = (version.get('schema') or {}).get('openAPIV3Schema')
                    if schema is None:
                        continue
                    shapes.setdefault(key, {})[version['name']] = root_shape(schema)
    return shapes


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


class Writer:
    """Writes shapes as TypeScript, with repeated subtrees as constants."""

    def __init__(self, shapes):
        self.counts = {}
        for versions in shapes.values():
            for s in versions.values():
                self.count(s)
        self.names = {}
        self.constants = []

    def count(self, s):
        if s == 0:
            return
        key = canonical(s)
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] > 1:
            return  # its children were counted the first time
        for child in children(s):
            self.count(child)

    def expr(self, s):
        if s == 0:
            return '0'
        key = canonical(s)
        if key in self.names:
            return self.names[key]
        text = self.literal(s)
        if self.counts.get(key, 0) > 1 and len(text) > 24:
            name = f's{len(self.constants)}'
            self.constants.append(f'const {name}: SchemaShape = {text};')
            self.names[key] = name
            return name
        return text

    def literal(self, s):
        parts = []
        if 'f' in s:
            fields = ','.join(f'{prop(k)}:{self.expr(v)}' for k, v in sorted(s['f'].items()))
            parts.append(f'f:{{{fields}}}')
        if 'u' in s:
            parts.append('u:1')
        if 'm' in s:
            parts.append(f"m:{self.expr(s['m'])}")
        if 'i' in s:
            parts.append(f"i:{self.expr(s['i'])}")
        if 't' in s:
            parts.append(f"t:'{s['t']}'")
        if 'q' in s:
            parts.append(f"q:{s['q']}")
        if 'd' in s:
            parts.append(f"d:{json.dumps(s['d'], sort_keys=True)}")
        if 'c' in s:
            checks = ','.join(f'{prop(k)}:{json.dumps(v, sort_keys=True)}' for k, v in sorted(s['c'].items()))
            parts.append(f'c:{{{checks}}}')
        return '{' + ','.join(parts) + '}'


def children(s):
    out = list(s.get('f', {}).values())
    for k in ('m', 'i'):
        if k in s:
            out.append(s[k])
    return out


def prop(name):
    return name if name.isidentifier() else json.dumps(name)


def revision_of(root):
    try:
        out = subprocess.run(
            ['git', '-C', root, 'log', '-1', '--format=%h (%cs)'],
            capture_output=True, text=True, check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def render(shapes, revision):
    w = Writer(shapes)
    entries = []
    for key in sorted(shapes):
        versions = ','.join(f'{v}:{w.expr(s)}' for v, s in sorted(shapes[key].items()))
        entries.append(f'  {json.dumps(key)}: {{{versions}}},')
    lines = [
        '// Generated by packages/supervisor/scripts/generate-crd-shapes.py: do not edit.',
        '// Source: the CustomResourceDefinitions of vm-operator (config/crd/bases and',
        "// config/crd/external-crds), reduced to their schemas' fields, types and defaults.",
        *([f'// Revision: {revision}.'] if revision else []),
        "import type { SchemaShape } from '../store/schema-shape.js';",
        '',
        *w.constants,
        '',
        '/** By `group/kind`, then version: the fields each served version declares. */',
        'export const CRD_SHAPES: Readonly<Record<string, Readonly<Record<string, SchemaShape>>>> = {',
        *entries,
        '};',
        '',
    ]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('vm_operator', help='a checkout of vmware-tanzu/vm-operator')
    parser.add_argument('--revision')
    parser.add_argument('--out', default=DEFAULT_OUT)
    args = parser.parse_args()
    text = render(read_crds(args.vm_operator), args.revision or revision_of(args.vm_operator))
    with open(args.out, 'w') as f:
        f.write(text)
    print(f'wrote {args.out} ({len(text)} bytes)')


if __name__ == '__main__':
    main()
