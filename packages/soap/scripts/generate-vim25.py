#!/usr/bin/python3
"""Writes src/generated/vim25.ts: the vim25 type metadata of @vsim/soap.

Run it with `pnpm --filter @vsim/soap generate` (or /usr/bin/python3 directly).

Sources, both published packages of the public vSphere API:
  * pyVmomi's type registry (Debian's python3-pyvmomi 6.7.1): every data, managed
    and enum type with the API version that introduced each type, property,
    method and parameter, plus the version parent relation.
  * govmomi's generated vim25 bindings (Debian's golang-github-vmware-govmomi-dev
    0.24.2, vim25 7.0): vim25/types/types.go, vim25/types/enum.go and
    vim25/mo/mo.go, read as text. They add the types, properties, parameters,
    methods and enum values that vim25 7.0 has and pyVmomi 6.7.1 lacks. An
    addition takes govmomi's minAPIVersion annotation when there is one, else
    govmomi's vim25 version.

Everything is keyed by WSDL name (VirtualMachineConfigInfo, not vim.vm.ConfigInfo)
and typed as it travels on the wire, which differs from pyVmomi's object model in
a few places (govmomi's bindings, made from the WSDL, agree with the wire):
  * a managed object is a ManagedObjectReference (with the managed type it points to);
  * a fault held in a property or a result is a LocalizedMethodFault, itself a
    DynamicData holding `fault` and `localizedMessage`; MethodFault has no `msg`;
  * a link to another object of the same answer (pyVmomi's F_LINK) is its key, a string;
  * TypeName, MethodName and PropertyPath are xsd:string.
Internal pyVmomi versions (vmodl.version.*, vmodl.query.version.*) count as the
first wire version that includes them. Output is sorted by name, so reruns are
byte-identical.

It also writes packages/vsphere/src/generated/guest-os-identifiers.ts: the guest ids the
model accepts in a VirtualMachineConfigSpec.

Usage: generate-vim25.py [--out FILE] [--guest-ids-out FILE] [--report] [--pyvmomi DIR] [--govmomi DIR]
  --report prints every addition and every difference between the two sources.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The managed types of methods govmomi's 7.0 bindings add without saying whose they are, as the
# vSphere API reference gives them: those the simulator serves.
GO_METHOD_OWNERS = {
    'GetDefaultKmsCluster': 'CryptoManagerKmip',
    'IsKmsClusterActive': 'CryptoManagerKmip',
    'ListKmsClusters': 'CryptoManagerKmip',
    'QueryCryptoKeyStatus': 'CryptoManagerKmip',
    'RegisterKmsCluster': 'CryptoManagerKmip',
    'SetDefaultKmsCluster': 'CryptoManagerKmip',
    'UnregisterKmsCluster': 'CryptoManagerKmip',
}
DEFAULT_OUT = os.path.join(HERE, '..', 'src', 'generated', 'vim25.ts')
# The model cannot import @vsim/soap (soap depends on it), so it gets its own copy of the
# one enum it checks values against.
DEFAULT_GUEST_IDS_OUT = os.path.join(HERE, '..', '..', 'vsphere', 'src', 'generated', 'guest-os-identifiers.ts')
DEFAULT_PYVMOMI = '/usr/lib/python3/dist-packages'
DEFAULT_GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/vim25'

SERVICE = 'vim25'

# Property flags in the generated table.
F_OPTIONAL = 1
F_SECRET = 2

# pyVmomi's primitive vmodl names -> xsd type names as they appear on the wire.
# TypeName, MethodName and PropertyPath are strings in the WSDL.
PY_PRIMITIVES = {
    'string': 'string',
    'bool': 'boolean',
    'boolean': 'boolean',
    'byte': 'byte',
    'short': 'short',
    'int': 'int',
    'long': 'long',
    'float': 'float',
    'double': 'double',
    'anyType': 'anyType',
    'vmodl.URI': 'anyURI',
    'vmodl.Binary': 'base64Binary',
    'vmodl.DateTime': 'dateTime',
    'vmodl.TypeName': 'string',
    'vmodl.MethodName': 'string',
    'vmodl.PropertyPath': 'string',
}

# Go field types in govmomi's bindings -> xsd type names.
GO_PRIMITIVES = {
    'string': 'string',
    'bool': 'boolean',
    'byte': 'byte',
    'int8': 'byte',
    'int16': 'short',
    'int32': 'int',
    'int64': 'long',
    'float32': 'float',
    'float64': 'double',
    'time.Time': 'dateTime',
    'AnyType': 'anyType',
    'VersionURI': 'string',
}

MOREF = 'ManagedObjectReference'
FAULT_WIRE = 'LocalizedMethodFault'


def fail(msg):
    sys.stderr.write('generate-vim25: %s\n' % msg)
    sys.exit(1)


# ---------------------------------------------------------------------------
# pyVmomi


def version_parts(name):
    """Numbers of a purely numeric version string ('6.7.1' -> (6, 7, 1)); None otherwise."""
    if not re.match(r'^\d+(\.\d+)*$', name):
        return None
    return tuple(int(x) for x in name.split('.'))


class Versions:
    """The vim25 wire versions, ordered, with pyVmomi's parent relation.

    pyVmomi's versions come first; the versions only govmomi names (its vim25
    version and any minAPIVersion values) follow pyVmomi's newest numbered one,
    each including every version before it.
    """

    def __init__(self, V, go_versions):
        ids = [v for v, ns in V.serviceNsMap.items() if ns == SERVICE]
        # A wire version is one a client can name: it has a version id.
        wire = [v for v in ids if V.versionIdMap.get(v)]
        numbered = [v for v in wire if re.match(r'^\d', V.versionIdMap[v])]
        other = [v for v in wire if v not in numbered]

        def parents(v):
            # Parents in other services (vmodl.reflect) do not describe vim25 content.
            return {p for p in V.parentMap[v] if p != v and V.serviceNsMap.get(p) == SERVICE}

        # The parent relation is a total order on the numbered versions.
        numbered.sort(key=lambda v: (len(parents(v)), V.versionIdMap[v]))
        for a, b in zip(numbered, numbered[1:]):
            if a not in parents(b):
                fail('version %s is not a parent of %s' % (a, b))
        self.py_newest = V.versionIdMap[numbered[-1]]

        self.entries = []  # dicts: name, urn, id, parents (set of ids or names)
        by_id = {}
        for v in numbered:
            entry = {'name': V.versionIdMap[v], 'urn': 'urn:' + V.GetVersionNamespace(v),
                     'id': v, 'parents': parents(v)}
            self.entries.append(entry)
            by_id[v] = entry

        known = {e['name'] for e in self.entries} | {V.versionIdMap[v] for v in other}
        newest_parts = version_parts(self.py_newest)
        extras = sorted({g for g in go_versions if g not in known}, key=lambda g: version_parts(g) or ())
        previous = self.entries[-1]
        for name in extras:
            parts = version_parts(name)
            if parts is None or newest_parts is None or parts <= newest_parts:
                fail('govmomi names version %s, which does not follow pyVmomi\'s %s'
                     % (name, self.py_newest))
            entry = {'name': name, 'urn': 'urn:%s/%s' % (SERVICE, name), 'id': None,
                     'parents': previous['parents'] | {previous['id'] or previous['name']}}
            self.entries.append(entry)
            previous = entry

        for v in sorted(other):
            entry = {'name': V.versionIdMap[v], 'urn': 'urn:' + V.GetVersionNamespace(v),
                     'id': v, 'parents': parents(v)}
            self.entries.append(entry)
            by_id[v] = entry

        # Internal (unnamed) versions map to the first wire version that includes them.
        self.wire_of_id = {}
        for v in ids:
            if v in by_id:
                self.wire_of_id[v] = by_id[v]['name']
                continue
            for e in self.entries:
                if e['id'] is not None and v in e['parents']:
                    self.wire_of_id[v] = e['name']
                    break
            else:
                fail('internal version %s is in no wire version' % v)

        self.index_of_name = {e['name']: i for i, e in enumerate(self.entries)}

        def index_of_parent(p):
            if p in self.index_of_name:
                return self.index_of_name[p]
            return self.index_of_name[self.wire_of_id[p]]

        for i, e in enumerate(self.entries):
            e['parent_indexes'] = sorted({index_of_parent(p) for p in e['parents']} - {i})

        # A bare namespace (no version id) that pyVmomi maps to a version.
        self.bare = None
        for key, v in V.versionMap.items():
            if key == SERVICE and v in by_id:
                self.bare = {'urn': 'urn:' + key, 'version': by_id[v]['name']}

    def index(self, pyversion):
        return self.index_of_name[self.wire_of_id[pyversion]]

    def index_of(self, name):
        return self.index_of_name[name]


class PyModel:
    def __init__(self, V, versions):
        self.V = V
        self.versions = versions
        vim = lambda ver: V.serviceNsMap.get(ver) == SERVICE  # noqa: E731
        self.data = {k: d for k, d in V._dataDefMap.items() if vim(d[3])}
        self.managed = {k: d for k, d in V._managedDefMap.items() if vim(d[3])}
        self.enums = {k: d for k, d in V._enumDefMap.items() if vim(d[2])}
        self.wsdl = {}
        for table in (self.data, self.managed, self.enums):
            for k, d in table.items():
                self.wsdl[k] = d[1]
        # The two roots are registered under their bare names but referenced by vmodl name.
        self.wsdl['vmodl.DataObject'] = self.wsdl['DataObject']
        self.wsdl['vmodl.ManagedObject'] = self.wsdl['ManagedObject']
        self.fault_names = set()
        for k in self.data:
            if self._is_fault(k):
                self.fault_names.add(k)

    def _is_fault(self, vmodl):
        seen = set()
        while vmodl and vmodl not in seen:
            if vmodl == 'vmodl.MethodFault':
                return True
            seen.add(vmodl)
            d = self.data.get(vmodl)
            vmodl = d[2] if d else None
        return False

    def knows(self, name):
        base = name[:-2] if name.endswith('[]') else name
        return base in PY_PRIMITIVES or base in self.wsdl

    def type_ref(self, name, context):
        """A vmodl type name -> (wire type, array, managed type or None)."""
        array = name.endswith('[]')
        base = name[:-2] if array else name
        if base in PY_PRIMITIVES:
            return PY_PRIMITIVES[base], array, None
        if base == 'vmodl.ManagedObject':
            return MOREF, array, None
        if base in self.managed:
            return MOREF, array, self.managed[base][1]
        if base in self.fault_names and base != 'vmodl.LocalizedMethodFault':
            # pyVmomi writes every MethodFault-typed value as a LocalizedMethodFault.
            return FAULT_WIRE, array, None
        if base in self.wsdl:
            return self.wsdl[base], array, None
        fail('unknown type %s in %s' % (name, context))

    def props(self, defs, owner):
        out = []
        for p in defs or []:
            name, typ, ver, flags = p[0], p[1], p[2], p[3]
            if owner == 'MethodFault' and name == 'msg':
                # pyVmomi's own slot for the localized message; it travels in
                # LocalizedMethodFault.localizedMessage, never as a MethodFault element.
                continue
            wire, array, ref = self.type_ref(typ, owner + '.' + name)
            if flags & self.V.F_LINK:
                # A link to another object of the same answer is sent as that object's key.
                wire, ref = 'string', None
            if owner == FAULT_WIRE and name == 'fault':
                # The fault a LocalizedMethodFault carries is the fault itself.
                wire = 'MethodFault'
            f = 0
            if flags & self.V.F_OPTIONAL:
                f |= F_OPTIONAL
            if flags & self.V.F_SECRET:
                f |= F_SECRET
            out.append({'name': name, 'type': wire, 'array': array, 'ref': ref,
                        'flags': f, 'version': self.versions.index(ver)})
        return out


def load_pyvmomi(path, versions_factory):
    sys.path.insert(0, path)
    import pyVmomi  # noqa: F401  (loads every type file)
    from pyVmomi import VmomiSupport as V
    versions = versions_factory(V)
    return V, versions, PyModel(V, versions)


# ---------------------------------------------------------------------------
# govmomi (read as text)

RE_STRUCT = re.compile(r'^type (\w+) struct \{\n(.*?)^\}', re.M | re.S)
RE_ALIAS = re.compile(r'^type (\w+) (\*?[\w.]+)$', re.M)
RE_REG = re.compile(r'^\tt\["(\w+)"\] = reflect\.TypeOf\(\(\*(\w+)\)\(nil\)\)\.Elem\(\)$', re.M)
RE_MINVER_TYPE = re.compile(r'minAPIVersionForType\["(\w+)"\] = "([^"]+)"')
RE_MINVER_ENUM = re.compile(r'minAPIVersionForEnumValue\["(\w+)"\] = map\[string\]string\{(.*?)\}', re.S)
RE_FIELD = re.compile(r'^\t(\w+)\s+([\[\]\*\w.]+)\s+`(\w+):"([^"]*)"`')
RE_EMBED = re.compile(r'^\t(\w+)$')
RE_ENUM_CONST = re.compile(r'^\t(\w+)\s*=\s*(\w+)\("([^"]*)"\)$', re.M)
RE_VERSION = re.compile(r'^\s*Version\s*=\s*"([^"]+)"', re.M)


def go_fields(body, tag):
    base = None
    fields = []
    for line in body.split('\n'):
        if not line.strip():
            continue
        m = RE_EMBED.match(line)
        if m:
            if base is not None or fields:
                fail('unexpected embedded field %r' % line)
            base = m.group(1)
            continue
        m = RE_FIELD.match(line)
        if not m:
            fail('cannot read field %r' % line)
        goname, gotype, key, value = m.groups()
        if key != tag:
            continue
        parts = value.split(',')
        fields.append({'go': goname, 'gotype': gotype, 'name': parts[0], 'opts': set(parts[1:])})
    return base, fields


def go_type_ref(gotype, wsdl_of):
    """A Go field type -> (wire type, array, pointer)."""
    t = gotype
    array = False
    pointer = False
    if t == '[]byte':
        # Go has one spelling for xsd:base64Binary and for an array of xsd:byte; the
        # fields govmomi adds are binary blobs (checksums), so read it as the former.
        return 'base64Binary', False, False
    if t.startswith('[]'):
        array = True
        t = t[2:]
    if t == '[]byte':
        return 'base64Binary', array, False
    if t.startswith('*'):
        pointer = True
        t = t[1:]
    if t.startswith('types.'):
        t = t[6:]
    if t in GO_PRIMITIVES:
        return GO_PRIMITIVES[t], array, pointer
    if t.startswith('Base') and t[4:] in wsdl_of and t not in wsdl_of:
        # BaseX is govmomi's interface for X and its subtypes.
        t = t[4:]
    return wsdl_of.get(t, t), array, pointer


class GoModel:
    def __init__(self, root):
        types_src = read(os.path.join(root, 'types', 'types.go'))
        enum_src = read(os.path.join(root, 'types', 'enum.go'))
        mo_src = read(os.path.join(root, 'mo', 'mo.go'))
        m = RE_VERSION.search(read(os.path.join(root, 'client.go')))
        if not m:
            fail('no Version in govmomi vim25/client.go')
        self.version = m.group(1)

        self.min_type = dict(RE_MINVER_TYPE.findall(types_src + enum_src + mo_src))
        self.min_enum_value = {}
        for name, body in RE_MINVER_ENUM.findall(enum_src):
            self.min_enum_value[name] = dict(re.findall(r'"([^"]+)":\s*"([^"]+)"', body))

        # Enums: `type X string` + constants X("value") + registration.
        # Go type name -> WSDL name (a few WSDL names start in lower case).
        self.wsdl_of = {}
        for src in (types_src, enum_src):
            for wsdl, goname in RE_REG.findall(src):
                self.wsdl_of[goname] = wsdl
        self.enums = {}
        enum_go = {}
        for goname in re.findall(r'^type (\w+) string$', enum_src, re.M):
            if goname in self.wsdl_of:
                enum_go[goname] = self.wsdl_of[goname]
                self.enums[self.wsdl_of[goname]] = []
        for _const, typ, value in RE_ENUM_CONST.findall(enum_src):
            if typ in enum_go and value not in self.enums[enum_go[typ]]:
                self.enums[enum_go[typ]].append(value)

        registered = self.wsdl_of
        structs = {name: body for name, body in RE_STRUCT.findall(types_src)}
        aliases = dict(RE_ALIAS.findall(types_src))

        # Methods: `type M XRequestType` (X is M without a _Task suffix), params in
        # XRequestType, result in MResponse.
        self.methods = {}
        for name, target in aliases.items():
            if not target.endswith('RequestType') or target not in structs:
                continue
            _, params = go_fields(structs[target], 'xml')
            result = None
            if name + 'Response' in structs:
                _, res = go_fields(structs[name + 'Response'], 'xml')
                if res:
                    result = res[0]
            self.methods[self.wsdl_of.get(name, name)] = {'params': params, 'result': result}
        method_structs = set()
        for name, target in aliases.items():
            if target.endswith('RequestType'):
                method_structs.add(target)
                method_structs.add(name + 'Response')

        # Data types: registered structs that are not method wrappers or array wrappers.
        self.data = {}
        for goname, body in structs.items():
            wsdl = registered.get(goname)
            if wsdl is None or goname in method_structs:
                continue
            if goname.startswith('ArrayOf') or goname == MOREF:
                continue
            base, fields = go_fields(body, 'xml')
            self.data[wsdl] = {'base': self.wsdl_of.get(base, base), 'fields': fields}

        # Managed types: mo.go structs, `mo:` tags, embedded base (none = ManagedObject).
        self.managed = {}
        mo_registered = {g for w, g in RE_REG.findall(mo_src) if w == g}
        for goname, body in RE_STRUCT.findall(mo_src):
            if goname not in mo_registered:
                continue
            lines = [ln for ln in body.split('\n') if not ln.strip().startswith('Self ')]
            base, fields = go_fields('\n'.join(lines), 'mo')
            self.managed[goname] = {'base': base, 'fields': fields}

    def versions(self):
        """Every version govmomi names: its vim25 version and its minAPIVersion values."""
        found = {self.version} | set(self.min_type.values())
        for values in self.min_enum_value.values():
            found |= set(values.values())
        return found


def read(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except OSError as e:
        fail('cannot read %s: %s' % (path, e))


# ---------------------------------------------------------------------------
# Merge


class Builder:
    def __init__(self, py, go, versions, report):
        self.py = py
        self.go = go
        self.versions = versions
        self.report = report
        self.notes = []
        self.data = {}
        self.managed = {}
        self.enums = {}
        self.known_names = (set(py.wsdl.values()) | set(go.data) | set(go.managed) | set(go.enums)
                            | set(GO_PRIMITIVES.values()) | {'base64Binary', MOREF})
        # govmomi 0.24.2 does not say when a property came; one it adds to a type
        # pyVmomi knows counts as new in govmomi's own version (never shown to a
        # client older than that).
        self.go_added = versions.index_of(go.version)

    def note(self, msg):
        self.notes.append(msg)

    def go_version_index(self, name, member=None):
        if member is not None:
            v = self.go.min_enum_value.get(name, {}).get(member)
        else:
            v = self.go.min_type.get(name)
        if v and v in self.versions.index_of_name:
            return self.versions.index_of(v)
        return self.versions.index_of(self.go.version)

    def go_prop(self, field, owner, version):
        """A govmomi field as a property introduced in `version` (an index)."""
        wire, array, pointer = go_type_ref(field['gotype'], self.go.wsdl_of)
        if wire not in self.known_names:
            fail('unknown govmomi type %s in %s.%s' % (field['gotype'], owner, field['name']))
        optional = pointer or array or 'omitempty' in field['opts']
        return {'name': field['name'], 'type': wire, 'array': array, 'ref': None,
                'flags': F_OPTIONAL if optional else 0, 'version': version}

    def merge_props(self, owner, py_props, go_fields):
        """pyVmomi's properties, plus govmomi's extra ones at govmomi's position."""
        result = list(py_props)
        known = {p['name'] for p in py_props}
        go_names = [f['name'] for f in go_fields]
        for i, f in enumerate(go_fields):
            if f['name'] in known:
                continue
            prop = self.go_prop(f, owner, self.go_added)
            # Insert after the nearest preceding govmomi field already present.
            at = 0
            for prev in reversed(go_names[:i]):
                idx = next((k for k, p in enumerate(result) if p['name'] == prev), None)
                if idx is not None:
                    at = idx + 1
                    break
            prop['added'] = True
            result.insert(at, prop)
            known.add(f['name'])
            self.note('added %s.%s (%s%s)' % (owner, f['name'], prop['type'], '[]' if prop['array'] else ''))
        return result

    def compare_props(self, owner, py_props, go_fields):
        if not self.report:
            return
        go_by = {f['name']: f for f in go_fields}
        for p in py_props:
            f = go_by.get(p['name'])
            if f is None:
                self.note('govmomi lacks %s.%s (version %s)' % (
                    owner, p['name'], self.versions.entries[p['version']]['name']))
                continue
            wire, array, _ = go_type_ref(f['gotype'], self.go.wsdl_of)
            if (wire, array) != (p['type'], p['array']):
                self.note('type differs %s.%s: pyVmomi %s%s govmomi %s' % (
                    owner, p['name'], p['type'], '[]' if p['array'] else '', f['gotype']))
        go_order = [f['name'] for f in go_fields if f['name'] in {p['name'] for p in py_props}]
        py_order = [p['name'] for p in py_props if p['name'] in go_by]
        if go_order != py_order:
            self.note('order differs %s' % owner)

    def build(self):
        py, go = self.py, self.go

        # Data types.
        for vmodl, d in py.data.items():
            wsdl = d[1]
            base = py.wsdl.get(d[2]) if d[2] else None
            if d[2] and base is None:
                fail('unknown base %s of %s' % (d[2], vmodl))
            if wsdl == FAULT_WIRE:
                # pyVmomi models it as a MethodFault; on the wire it is a DynamicData
                # wrapper (fault + localizedMessage), as govmomi's bindings have it.
                base = 'DynamicData'
            props = py.props(d[4], wsdl)
            g = go.data.get(wsdl)
            if g is not None:
                self.compare_props(wsdl, props, g['fields'])
                if self.report and (g['base'] or None) != base:
                    self.note('base differs %s: pyVmomi %s govmomi %s' % (wsdl, base, g['base']))
                props = self.merge_props(wsdl, props, g['fields'])
            self.data[wsdl] = {'base': base, 'version': py.versions.index(d[3]), 'props': props}

        for wsdl, g in go.data.items():
            if wsdl in self.data:
                continue
            version = self.go_version_index(wsdl)
            props = [self.go_prop(f, wsdl, version) for f in g['fields']]
            self.data[wsdl] = {'base': g['base'], 'version': version, 'props': props}
            self.note('added type %s' % wsdl)

        # Enums.
        for d in py.enums.values():
            wsdl = d[1]
            version = py.versions.index(d[2])
            values = [(v, version) for v in d[3]]
            for v in go.enums.get(wsdl, []):
                if v not in d[3]:
                    values.append((v, self.go_version_index(wsdl, v)))
                    self.note('added enum value %s.%s' % (wsdl, v))
            self.enums[wsdl] = {'version': version, 'values': values}
        for wsdl, values in go.enums.items():
            if wsdl in self.enums:
                continue
            version = self.go_version_index(wsdl)
            self.enums[wsdl] = {'version': version,
                                'values': [(v, self.go_version_index(wsdl, v)) for v in values]}
            self.note('added enum %s' % wsdl)

        # Managed types and methods.
        py_methods = {}
        for d in py.managed.values():
            wsdl = d[1]
            base = py.wsdl.get(d[2]) if d[2] else None
            props = []
            for p in d[4] or []:
                props.extend(py.props([p[:4]], wsdl))
            g = go.managed.get(wsdl)
            if g is not None:
                self.compare_props(wsdl, props, g['fields'])
                props = self.merge_props(wsdl, props, g['fields'])
            methods = []
            for m in d[5] or []:
                method = self.py_method(wsdl, m)
                methods.append(method)
                py_methods[m[1]] = method
            self.managed[wsdl] = {'base': base, 'version': py.versions.index(d[3]),
                                  'props': props, 'methods': methods}
        for wsdl, g in go.managed.items():
            if wsdl in self.managed:
                continue
            version = self.go_version_index(wsdl)
            props = [self.go_prop(f, wsdl, version) for f in g['fields']]
            self.managed[wsdl] = {'base': g['base'] or 'ManagedObject', 'version': version,
                                  'props': props, 'methods': []}
            self.note('added managed type %s' % wsdl)

        self.drop_shadowed(self.data)
        self.drop_shadowed(self.managed)
        self.raise_to_type_version()

        # govmomi's extra methods: the bindings do not say which managed type owns
        # them, so they are kept apart, by name, but for those GO_METHOD_OWNERS gives.
        self.unowned_methods = []
        for name in sorted(go.methods):
            if name in py_methods:
                self.merge_method(py_methods[name])
                continue
            method = self.go_method(name)
            owner = GO_METHOD_OWNERS.get(name)
            if owner in self.managed:
                for p in method['params']:
                    if p['name'] == '_this':
                        p['ref'] = owner
                self.managed[owner]['methods'].append(method)
                self.note('added method %s.%s' % (owner, name))
                continue
            self.unowned_methods.append(method)
            self.note('added method %s (owner unknown)' % name)

    def raise_to_type_version(self):
        """An added property cannot be older than its own type: a client that does
        not know the type cannot know the property."""
        versions = self.versions.entries
        for table in (self.data, self.managed):
            for d in table.values():
                for p in d['props']:
                    if not p.get('added'):
                        continue
                    t = self.data.get(p['type']) or self.enums.get(p['type'])
                    if t is not None and p['version'] in versions[t['version']]['parent_indexes']:
                        p['version'] = t['version']

    def drop_shadowed(self, table):
        """Drops added properties that an ancestor already declares (govmomi's Go
        structs repeat a few inherited ones, e.g. Network.name)."""
        for name, d in table.items():
            inherited = set()
            base = d['base']
            while base is not None and base in table:
                inherited.update(p['name'] for p in table[base]['props'])
                base = table[base]['base']
            kept = []
            for p in d['props']:
                if p.get('added') and p['name'] in inherited:
                    self.note('dropped %s.%s: inherited' % (name, p['name']))
                    continue
                kept.append(p)
            d['props'] = kept

    def py_method(self, owner, m):
        py = self.py
        _vmodl_name, wsdl, version, params, result, priv, faults = m
        out_params = [{'name': '_this', 'type': MOREF, 'array': False, 'ref': owner,
                       'flags': 0, 'version': py.versions.index(version)}]
        for p in params:
            out_params.extend(py.props([p[:4]], owner + '.' + wsdl))
        returns = None
        task_result = None
        rflags, rtype, rresult = result
        if rtype != 'void':
            wire, array, ref = py.type_ref(rtype, owner + '.' + wsdl + ' result')
            returns = {'type': wire, 'array': array, 'ref': ref,
                       'flags': F_OPTIONAL if rflags & py.V.F_OPTIONAL else 0}
            if rtype == 'vim.Task' and rresult != rtype:
                if rresult != 'void' and py.knows(rresult):
                    wire, array, ref = py.type_ref(rresult, owner + '.' + wsdl + ' task result')
                    task_result = {'type': wire, 'array': array, 'ref': ref, 'flags': 0}
                elif rresult != 'void':
                    self.note('task result type %s of %s is not in the registry' % (rresult, wsdl))
        fault_names = sorted({py.wsdl[f] for f in (faults or [])})
        return {'name': wsdl, 'version': py.versions.index(version), 'params': out_params,
                'returns': returns, 'taskResult': task_result,
                'faults': fault_names, 'privilege': priv}

    def go_method(self, name):
        m = self.go.methods[name]
        version = self.go_version_index(name)
        params = [self.go_prop(f, name, version) for f in m['params']]
        returns = None
        if m['result'] is not None:
            p = self.go_prop(m['result'], name, version)
            returns = {'type': p['type'], 'array': p['array'], 'ref': None, 'flags': p['flags']}
            if name.endswith('_Task') and p['type'] == MOREF and not p['array']:
                # The WSDL names every method that answers with a Task `..._Task`.
                returns['ref'] = 'Task'
        return {'name': name, 'version': version, 'params': params, 'returns': returns,
                'taskResult': None, 'faults': [], 'privilege': None}

    def merge_method(self, method):
        """Adds govmomi's extra parameters of a method pyVmomi knows."""
        name = method['name']
        go_params = [f for f in self.go.methods[name]['params'] if f['name'] != '_this']
        method['params'] = self.merge_props(name, method['params'], go_params)
        if self.report:
            self.compare_props(name, [p for p in method['params'] if p['name'] != '_this'], go_params)


# ---------------------------------------------------------------------------
# Output


def ts_str(s):
    return "'" + s.replace('\\', '\\\\').replace("'", "\\'") + "'"


def type_ref_str(p):
    t = p['type']
    if p.get('ref'):
        t += ':' + p['ref']
    if p['array']:
        t += '[]'
    return t


def prop_tuple(p):
    return '[%s,%s,%d,%d]' % (ts_str(p['name']), ts_str(type_ref_str(p)), p['flags'], p['version'])


def emit(builder, versions, out_path):
    lines = []
    w = lines.append
    w('// Generated by packages/soap/scripts/generate-vim25.py: do not edit.')
    w('// Rebuild with `pnpm --filter @vsim/soap generate`.')
    w("// Sources: pyVmomi's type registry (vim25 up to %s) and govmomi's vim25 %s bindings"
      % (versions.py_newest, builder.go.version))
    w('// (types.go, enum.go, mo.go). Versions are indexes into `versions`.')
    w("import type { Vim25Metadata } from '../metadata/types.js';")
    w('')
    w('export const VIM25: Vim25Metadata = {')
    w('  versions: [')
    for e in versions.entries:
        fields = ['name: %s' % ts_str(e['name']), 'urn: %s' % ts_str(e['urn'])]
        if e['id']:
            fields.append('id: %s' % ts_str(e['id']))
        fields.append('parents: [%s]' % ','.join(str(i) for i in e['parent_indexes']))
        w('    { %s },' % ', '.join(fields))
    w('  ],')
    if versions.bare:
        w('  bareNamespace: { urn: %s, version: %s },' % (
            ts_str(versions.bare['urn']), ts_str(versions.bare['version'])))
    w('  dataTypes: [')
    for name in sorted(builder.data):
        d = builder.data[name]
        w('    [%s,%s,%d,[%s]],' % (ts_str(name), ts_str(d['base']) if d['base'] else 'null',
                                    d['version'], ','.join(prop_tuple(p) for p in d['props'])))
    w('  ],')
    w('  managedTypes: [')
    for name in sorted(builder.managed):
        d = builder.managed[name]
        methods = ','.join(method_tuple(m) for m in sorted(d['methods'], key=lambda m: m['name']))
        w('    [%s,%s,%d,[%s],[%s]],' % (ts_str(name), ts_str(d['base']) if d['base'] else 'null',
                                         d['version'], ','.join(prop_tuple(p) for p in d['props']),
                                         methods))
    w('  ],')
    w('  unownedMethods: [')
    for m in builder.unowned_methods:
        w('    %s,' % method_tuple(m))
    w('  ],')
    w('  enums: [')
    for name in sorted(builder.enums):
        e = builder.enums[name]
        values = ','.join(ts_str(v) if ver == e['version'] else '[%s,%d]' % (ts_str(v), ver)
                          for v, ver in e['values'])
        w('    [%s,%d,[%s]],' % (ts_str(name), e['version'], values))
    w('  ],')
    w('};')
    w('')
    text = '\n'.join(lines)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write(text)
    return len(text.encode('utf-8'))


def emit_guest_ids(builder, versions, out_path):
    """VirtualMachineGuestOsIdentifier's values, for the model's check of a spec's guestId."""
    values = [v for v, _ver in builder.enums['VirtualMachineGuestOsIdentifier']['values']]
    lines = [
        '// Generated by packages/soap/scripts/generate-vim25.py: do not edit.',
        '// Rebuild with `pnpm --filter @vsim/soap generate`.',
        "// VirtualMachineGuestOsIdentifier's values, from pyVmomi's type registry (vim25 up to %s)"
        % versions.py_newest,
        "// and govmomi's vim25 %s bindings." % builder.go.version,
        'export const GUEST_OS_IDENTIFIERS: readonly string[] = [',
    ]
    lines += ['  %s,' % ts_str(v) for v in values]
    lines += ['];', '']
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    return len(values)


def method_tuple(m):
    returns = 'null'
    if m['returns'] is not None:
        returns = '[%s,%d]' % (ts_str(type_ref_str(m['returns'])), m['returns']['flags'])
    task_result = ts_str(type_ref_str(m['taskResult'])) if m['taskResult'] else 'null'
    faults = '[%s]' % ','.join(ts_str(f) for f in m['faults'])
    priv = ts_str(m['privilege']) if m['privilege'] else 'null'
    return '[%s,%d,[%s],%s,%s,%s,%s]' % (
        ts_str(m['name']), m['version'], ','.join(prop_tuple(p) for p in m['params']),
        returns, task_result, faults, priv)


def main():
    ap = argparse.ArgumentParser(description='Generate the vim25 type metadata table.')
    ap.add_argument('--out', default=DEFAULT_OUT)
    ap.add_argument('--guest-ids-out', default=DEFAULT_GUEST_IDS_OUT)
    ap.add_argument('--report', action='store_true', help='print differences between the sources')
    ap.add_argument('--pyvmomi', default=DEFAULT_PYVMOMI)
    ap.add_argument('--govmomi', default=DEFAULT_GOVMOMI)
    args = ap.parse_args()

    go = GoModel(args.govmomi)
    _V, versions, py = load_pyvmomi(args.pyvmomi, lambda V: Versions(V, go.versions()))
    builder = Builder(py, go, versions, args.report)
    builder.build()
    size = emit(builder, versions, os.path.abspath(args.out))
    guest_ids = emit_guest_ids(builder, versions, os.path.abspath(args.guest_ids_out))
    if args.report:
        for n in builder.notes:
            print(n, file=sys.stderr)
    methods = sum(len(m['methods']) for m in builder.managed.values()) + len(builder.unowned_methods)
    print('wrote %s: %d bytes, %d data types, %d managed types, %d methods, %d enums' % (
        os.path.relpath(os.path.abspath(args.out)), size, len(builder.data), len(builder.managed),
        methods, len(builder.enums)))
    print('wrote %s: %d guest OS identifiers' % (os.path.relpath(os.path.abspath(args.guest_ids_out)), guest_ids))


if __name__ == '__main__':
    main()
