"""pyvmomi (Debian's 6.7.1) against `vsim serve`: one named check per function, run in order.

Usage: /usr/bin/python3 checks.py http|https HOST PORT USER PASSWORD [admission]

With `admission`, the checks of a server started with `-admission-control` run instead.

Over HTTP the client is a SoapStubAdapter with a negative port (pyvmomi's "no TLS"),
speaking vim25/6.5; over HTTPS it is pyVim.connect.SmartConnect, which reads
/sdk/vimServiceVersions.xml and picks the newest version pyvmomi knows. Every answer goes
through pyvmomi's strict deserializer, so a wrong xsi:type, array wrapper or enum value
fails the check that asked for it. Prints `ok   <name>` or `FAIL <name>: <reason>` per
check and a final `N passed, M failed`.
"""

import datetime
import ssl
import sys
import threading
import time
import traceback

from pyVim import connect
from pyVim import task as pyvim_task
from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl

SCHEME, HOST, PORT, USER, PASSWORD = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
ADMISSION = sys.argv[6:] == ["admission"]
HTTPS = SCHEME == "https"
TASK_TIMEOUT = 15.0


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_equal(actual, wanted, what):
    if actual != wanted:
        raise CheckFailed("%s: got %r, want %r" % (what, actual, wanted))


def tname(t):
    return "/".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__


def raises(fault_type, fn, *args, **kwargs):
    """Calls fn and returns the fault it raised, failing unless it is a fault_type."""
    try:
        fn(*args, **kwargs)
    except fault_type as e:
        return e
    except Exception as e:  # noqa: BLE001 - reported as the wrong fault
        raise CheckFailed("want %s, got %s: %s" % (tname(fault_type), type(e).__name__, e))
    raise CheckFailed("want %s, the call succeeded" % tname(fault_type))


# ---------------------------------------------------------------------------------------
# Connections


def unverified():
    return ssl._create_unverified_context()


def bare_stub(version=None):
    """A stub with no session yet."""
    if HTTPS:
        return SoapStubAdapter(host=HOST, port=PORT, path="/sdk", version=version or S.version,
                               sslContext=unverified())
    return SoapStubAdapter(host=HOST, port=-PORT, path="/sdk", ns="vim25/6.5")


def login(user=USER, password=PASSWORD):
    """A fresh logged-in service instance (its own session cookie)."""
    if HTTPS:
        return connect.SmartConnect(host=HOST, port=PORT, user=user, pwd=password, sslContext=unverified())
    si = vim.ServiceInstance("ServiceInstance", bare_stub())
    si.RetrieveContent().sessionManager.Login(user, password)
    return si


class State:
    si = None
    content = None
    version = None
    dc = None


S = State()


def find(path):
    return S.content.searchIndex.FindByInventoryPath(path)


def vm_named(name):
    vm = find("/DC0/vm/" + name)
    expect(vm is not None, "no VM at /DC0/vm/" + name)
    return vm


def wait_task(task, timeout=TASK_TIMEOUT):
    """Polls the task (bounded) until it leaves queued/running; returns its TaskInfo."""
    deadline = time.time() + timeout
    while True:
        info = task.info
        if info.state in (vim.TaskInfo.State.success, vim.TaskInfo.State.error):
            return info
        if time.time() > deadline:
            raise CheckFailed("task %s still %s after %.0fs" % (task._moId, info.state, timeout))
        time.sleep(0.05)


def run_task(task):
    info = wait_task(task)
    if info.state != vim.TaskInfo.State.success:
        raise CheckFailed("task %s failed: %s" % (info.descriptionId, type(info.error).__name__))
    return info.result


def task_error(fault_type, fn, *args, **kwargs):
    """The fault of a task method: as the task's error (vCenter) or raised at once."""
    try:
        task = fn(*args, **kwargs)
    except fault_type as e:
        return e
    except Exception as e:  # noqa: BLE001
        raise CheckFailed("want %s, got %s: %s" % (tname(fault_type), type(e).__name__, e))
    info = wait_task(task)
    expect(info.state == vim.TaskInfo.State.error, "want task error %s, task state %s" % (tname(fault_type), info.state))
    expect(isinstance(info.error, fault_type),
           "want task error %s, got %s" % (tname(fault_type), type(info.error).__name__))
    return info.error


def task_error_strict(fault_type, fn, *args, **kwargs):
    """As task_error, but the fault must be the task's error, not raised by the call."""
    try:
        task = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        raise CheckFailed("want a task failing with %s, the call raised %s: %s" % (tname(fault_type), type(e).__name__, e))
    info = wait_task(task)
    expect(info.state == vim.TaskInfo.State.error, "want task error %s, task state %s" % (tname(fault_type), info.state))
    expect(isinstance(info.error, fault_type),
           "want task error %s, got %s" % (tname(fault_type), type(info.error).__name__))
    return info.error


def retrieve(obj, paths):
    """RetrievePropertiesEx of some paths of one object -> {name: value}."""
    pc = S.content.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=obj)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=type(obj), pathSet=paths)],
    )
    result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    expect(result is not None and len(result.objects) == 1, "no object in the result")
    return {p.name: p.val for p in result.objects[0].propSet}


def view_of(kind, container=None):
    return S.content.viewManager.CreateContainerView(container or S.content.rootFolder, [kind], True)


def names_by_view(kind, paths=("name",)):
    """{obj: {path: value}} of every object of a kind, through a container view."""
    view = view_of(kind)
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView,
                                                                 path="view", skip=False)
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=kind, pathSet=list(paths))],
        )
        out = {}
        result = S.content.propertyCollector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        while result is not None:
            for o in result.objects:
                out[o.obj] = {p.name: p.val for p in o.propSet}
            if not result.token:
                break
            result = S.content.propertyCollector.ContinueRetrievePropertiesEx(result.token)
        return out
    finally:
        view.DestroyView()


def dc0():
    return find("/DC0")


def host_and_pool(host_path):
    """A host and the pool a VM placed on it goes into (its compute resource's root pool)."""
    host = find(host_path)
    expect(host is not None, "no host at " + host_path)
    return host, host.parent.resourcePool


# ---------------------------------------------------------------------------------------
# Checks, in order (later checks use the objects earlier ones made)

CHECKS = []
def check(fn):
    CHECKS.append(fn)
    return fn


ADMISSION_CHECKS = []
def admission_check(fn):
    ADMISSION_CHECKS.append(fn)
    return fn


@check
def service_content_and_about():
    stub = bare_stub()
    sc = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    expect_equal(sc.about.apiType, "VirtualCenter", "about.apiType")
    expect(sc.about.fullName.startswith("VMware vCenter Server"), "about.fullName %r" % sc.about.fullName)
    expect(isinstance(sc.rootFolder, vim.Folder), "rootFolder is %r" % sc.rootFolder)
    for name in ("propertyCollector", "viewManager", "searchIndex", "sessionManager", "taskManager", "eventManager"):
        expect(getattr(sc, name) is not None, "ServiceContent.%s is unset" % name)


@check
def version_negotiation_via_vim_service_versions():
    find_version = getattr(connect, "__FindSupportedVersion")
    newest = VmomiSupport.newestVersions.Get("vim")
    got = find_version("https" if HTTPS else "http", HOST, PORT, "/sdk", connect.GetServiceVersions("vim25"),
                       unverified() if HTTPS else None)
    expect_equal(got, newest, "negotiated version")
    if HTTPS:
        expect_equal(S.si._stub.version, newest, "SmartConnect's stub version")
        expect_equal(VmomiSupport.GetVersionNamespace(S.si._stub.version), "vim25/6.7.1", "namespace")


@check
def login_current_session():
    session = S.content.sessionManager.currentSession
    expect(session is not None, "currentSession unset after Login")
    expect_equal(session.userName, USER, "currentSession.userName")
    expect(session.key, "session key empty")


@check
def wrong_password_invalid_login():
    si = vim.ServiceInstance("ServiceInstance", bare_stub())
    sm = si.RetrieveContent().sessionManager
    raises(vim.fault.InvalidLogin, sm.Login, USER, PASSWORD + "-wrong")
    raises(vim.fault.InvalidLogin, sm.Login, "nobody", PASSWORD)


@check
def no_session_not_authenticated():
    si = vim.ServiceInstance("ServiceInstance", bare_stub())
    sc = si.RetrieveContent()
    raises(vim.fault.NotAuthenticated, lambda: sc.rootFolder.childEntity)
    raises(vim.fault.NotAuthenticated, sc.searchIndex.FindByInventoryPath, "/DC0")


@check
def logout_then_not_authenticated():
    si = login()
    sc = si.RetrieveContent()
    expect(len(sc.rootFolder.childEntity) >= 1, "no datacenter before logout")
    cookie = si._stub.cookie
    expect(cookie, "Login set no session cookie")
    sc.sessionManager.Logout()
    raises(vim.fault.NotAuthenticated, lambda: sc.rootFolder.childEntity)
    # The old cookie must be dead on the server, not only forgotten by the client.
    si._stub.cookie = cookie
    raises(vim.fault.NotAuthenticated, lambda: sc.rootFolder.childEntity)
    raises(vim.fault.NotAuthenticated, sc.searchIndex.FindByInventoryPath, "/DC0")
    # The main session is untouched.
    expect(find("/DC0") is not None, "the other session died with this one")


@check
def datacenter_by_path_and_root_folder():
    dcs = [e for e in S.content.rootFolder.childEntity if isinstance(e, vim.Datacenter)]
    expect_equal([d.name for d in dcs], ["DC0"], "datacenters under the root folder")
    dc = dc0()
    expect(isinstance(dc, vim.Datacenter), "FindByInventoryPath(/DC0) = %r" % dc)
    expect_equal(dc._moId, dcs[0]._moId, "/DC0 moref")
    expect_equal((dc.vmFolder.name, dc.hostFolder.name, dc.datastoreFolder.name, dc.networkFolder.name),
                 ("vm", "host", "datastore", "network"), "datacenter folders")
    S.dc = dc


@check
def vm_by_inventory_path_and_find_child():
    vm = find("/DC0/vm/DC0_H0_VM0")
    expect(isinstance(vm, vim.VirtualMachine), "FindByInventoryPath = %r" % vm)
    expect_equal(vm.name, "DC0_H0_VM0", "name")
    child = S.content.searchIndex.FindChild(S.dc.vmFolder, "DC0_H0_VM0")
    expect(child is not None and child._moId == vm._moId, "FindChild = %r" % child)
    expect(find("/DC0/vm/no-such-vm") is None, "a missing path found something")
    expect_equal(vm.parent._moId, S.dc.vmFolder._moId, "vm.parent")


@check
def hosts_and_clusters():
    hosts = names_by_view(vim.HostSystem, ("name", "runtime.connectionState"))
    expect_equal(sorted(v["name"] for v in hosts.values()),
                 ["DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"], "host names")
    expect(all(v["runtime.connectionState"] == "connected" for v in hosts.values()), "a host is not connected")
    cluster = find("/DC0/host/DC0_C0")
    expect(isinstance(cluster, vim.ClusterComputeResource), "/DC0/host/DC0_C0 = %r" % cluster)
    expect_equal(sorted(h.name for h in cluster.host), ["DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2"], "cluster.host")
    h1 = find("/DC0/host/DC0_C0/DC0_C0_H1")
    expect(isinstance(h1, vim.HostSystem), "/DC0/host/DC0_C0/DC0_C0_H1 = %r" % h1)
    standalone = find("/DC0/host/DC0_H0/DC0_H0")
    expect(isinstance(standalone, vim.HostSystem), "/DC0/host/DC0_H0/DC0_H0 = %r" % standalone)
    expect(isinstance(standalone.parent, vim.ComputeResource), "standalone host's parent")
    expect(standalone.summary.hardware.numCpuCores > 0, "summary.hardware.numCpuCores")


@check
def datastores():
    dss = S.dc.datastore
    expect_equal([d.name for d in dss], ["LocalDS_0"], "dc.datastore")
    ds = dss[0]
    summary = ds.summary
    expect(summary.capacity > 0 and 0 < summary.freeSpace <= summary.capacity,
           "capacity %r freeSpace %r" % (summary.capacity, summary.freeSpace))
    expect(summary.accessible, "datastore not accessible")
    expect_equal(len(ds.host), 4, "hosts mounting LocalDS_0")
    expect(all(isinstance(m, vim.Datastore.HostMount) and m.mountInfo.mounted for m in ds.host),
           "ds.host items are not mounted DatastoreHostMounts")
    expect(find("/DC0/datastore/LocalDS_0")._moId == ds._moId, "/DC0/datastore/LocalDS_0")
    expect(len(ds.vm) >= 4, "ds.vm has %d VMs" % len(ds.vm))


@check
def networks():
    nets = {n.name: n for n in S.dc.network}
    expect("VM Network" in nets and "DC0_DVPG0" in nets, "dc.network = %r" % sorted(nets))
    expect(isinstance(nets["DC0_DVPG0"], vim.dvs.DistributedVirtualPortgroup), "DC0_DVPG0 is %r" % nets["DC0_DVPG0"])
    expect_equal(nets["DC0_DVPG0"].config.distributedVirtualSwitch.name, "DVS0", "portgroup's switch")
    vmnet = find("/DC0/network/VM Network")
    expect(isinstance(vmnet, vim.Network) and vmnet.name == "VM Network", "/DC0/network/VM Network = %r" % vmnet)
    dvs = find("/DC0/network/DVS0")
    expect(isinstance(dvs, vim.DistributedVirtualSwitch), "/DC0/network/DVS0 = %r" % dvs)


@check
def nested_properties():
    vm = vm_named("DC0_H0_VM0")
    got = retrieve(vm, ["summary.runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB"])
    expect_equal(got.get("summary.runtime.powerState"), "poweredOn", "summary.runtime.powerState")
    expect_equal(got.get("config.hardware.numCPU"), 1, "config.hardware.numCPU")
    expect_equal(got.get("config.hardware.memoryMB"), 32, "config.hardware.memoryMB")
    expect_equal(vm.summary.runtime.powerState, vim.VirtualMachinePowerState.poweredOn, "vm.summary.runtime")
    expect_equal(vm.summary.config.name, "DC0_H0_VM0", "summary.config.name")


@check
def keyed_device_property():
    vm = vm_named("DC0_H0_VM0")
    devices = vm.config.hardware.device
    nics = [d for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)]
    disks = [d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)]
    expect(len(nics) == 1 and len(disks) == 1, "want one NIC and one disk, got %d/%d" % (len(nics), len(disks)))
    path = "config.hardware.device[%d]" % nics[0].key
    got = retrieve(vm, [path])
    nic = got.get(path)
    expect(isinstance(nic, vim.vm.device.VirtualEthernetCard), "%s = %r" % (path, type(nic)))
    expect_equal(nic.key, nics[0].key, "key")
    expect_equal(nic.macAddress, nics[0].macAddress, "macAddress")
    disk = retrieve(vm, ["config.hardware.device[%d]" % disks[0].key])["config.hardware.device[%d]" % disks[0].key]
    expect(isinstance(disk, vim.vm.device.VirtualDisk) and disk.capacityInKB > 0, "disk by key: %r" % disk)


@check
def container_view_all_vms():
    vms = names_by_view(vim.VirtualMachine, ("name", "runtime.powerState"))
    expect_equal(sorted(v["name"] for v in vms.values()),
                 ["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"], "VM names")
    expect(all(v["runtime.powerState"] == "poweredOn" for v in vms.values()), "powerStates %r" % vms)
    view = view_of(vim.VirtualMachine, S.dc.vmFolder)
    expect_equal(len(view.view), 4, "ContainerView.view")
    view.DestroyView()
    raises(vmodl.fault.ManagedObjectNotFound, lambda: view.view)


@check
def retrieve_paging_with_token():
    view = view_of(vim.VirtualMachine)
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view")
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        )
        pc = S.content.propertyCollector
        page = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1))
        expect(page is not None and len(page.objects) == 1 and page.token, "first page: %r" % page)
        names = [page.objects[0].propSet[0].val]
        for _ in range(10):
            page = pc.ContinueRetrievePropertiesEx(page.token)
            names += [o.propSet[0].val for o in page.objects]
            if not page.token:
                break
        expect_equal(len(names), 4, "objects over all pages")
        expect_equal(len(set(names)), 4, "distinct objects over all pages")
        page = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=2))
        pc.CancelRetrievePropertiesEx(page.token)
        raises(vmodl.query.InvalidProperty, pc.ContinueRetrievePropertiesEx, page.token)
    finally:
        view.DestroyView()


ENTITY_KINDS = (vim.Folder, vim.Datacenter, vim.VirtualMachine, vim.HostSystem, vim.ClusterComputeResource,
                vim.ComputeResource, vim.ResourcePool, vim.Datastore, vim.Network, vim.DistributedVirtualSwitch)

WANTED_PROPERTIES = {
    vim.VirtualMachine: ("name", "parent", "config", "runtime", "summary", "guest", "resourcePool", "datastore",
                         "network", "layoutEx", "storage"),
    vim.HostSystem: ("name", "parent", "summary", "hardware", "runtime", "vm", "datastore", "network", "config"),
    vim.Datastore: ("name", "summary", "info", "host", "vm"),
    vim.ClusterComputeResource: ("name", "host", "resourcePool", "summary", "configurationEx"),
    vim.dvs.DistributedVirtualPortgroup: ("name", "config", "key", "host", "vm"),
}


@check
def retrieve_all_properties_of_every_entity():
    # all=true over the whole inventory: pyvmomi reads every value the encoder writes.
    view = S.content.viewManager.CreateContainerView(S.content.rootFolder, [], True)
    try:
        entities = len(view.view)
        traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view")
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=k, all=True) for k in ENTITY_KINDS],
        )
        pc = S.content.propertyCollector
        objects = []
        result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        for _ in range(100):
            objects += result.objects
            if not result.token:
                break
            result = pc.ContinueRetrievePropertiesEx(result.token)
        expect_equal(len(objects), entities, "objects with all properties")
        for o in objects:
            names = {p.name for p in o.propSet}
            expect(not o.missingSet, "%s: missingSet %r" % (o.obj, [m.path for m in o.missingSet]))
            for kind, wanted in WANTED_PROPERTIES.items():
                if isinstance(o.obj, kind):
                    lacking = [w for w in wanted if w not in names]
                    expect(not lacking, "%s lacks %r" % (o.obj, lacking))
            props = {p.name: p.val for p in o.propSet}
            expect(props.get("name"), "%s has no name" % o.obj)
            if isinstance(o.obj, vim.VirtualMachine):
                expect(isinstance(props["config"], vim.vm.ConfigInfo), "VM config is %r" % type(props["config"]))
                expect(all(isinstance(n, vim.Network) for n in props["network"]), "VM network items")
    finally:
        view.DestroyView()


@check
def list_view_follows_modify_and_reset():
    vm0, vm1 = vm_named("DC0_H0_VM0"), vm_named("DC0_H0_VM1")
    view = S.content.viewManager.CreateListView([vm0])
    try:
        expect_equal([v._moId for v in view.view], [vm0._moId], "view after create")
        unresolved = view.ModifyListView(add=[vm1, vim.VirtualMachine("vm-987654")], remove=[])
        expect_equal([v._moId for v in unresolved], ["vm-987654"], "unresolved references")
        expect_equal(sorted(v._moId for v in view.view), sorted([vm0._moId, vm1._moId]), "view after modify")
        view.ResetListView([vm1])
        expect_equal([v._moId for v in view.view], [vm1._moId], "view after reset")
    finally:
        view.DestroyView()


def power_filter(pc, vm, paths):
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vm)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=paths)],
    )
    return pc.CreateFilter(spec, False)


def wait_options(seconds):
    return vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=seconds)


def changes(update_set):
    """[(filter moid, object moid, kind, change name, change value)] of an UpdateSet."""
    out = []
    for fu in update_set.filterSet if update_set else []:
        for ou in fu.objectSet:
            for c in ou.changeSet:
                out.append((fu.filter._moId, ou.obj._moId, ou.kind, c.name, c.val))
            if not ou.changeSet:
                out.append((fu.filter._moId, ou.obj._moId, ou.kind, None, None))
    return out


@check
def wait_for_updates_initial_enter():
    pc = S.content.propertyCollector.CreatePropertyCollector()
    try:
        vm = vm_named("DC0_H0_VM0")
        f = power_filter(pc, vm, ["runtime.powerState", "name"])
        first = pc.WaitForUpdatesEx("", wait_options(0))
        expect(first is not None, "the first wait returned nothing")
        got = {(k, n): v for (_, _, k, n, v) in changes(first)}
        expect_equal(got.get(("enter", "runtime.powerState")), "poweredOn", "enter runtime.powerState")
        expect_equal(got.get(("enter", "name")), "DC0_H0_VM0", "enter name")
        expect(first.version, "no version")
        again = pc.WaitForUpdatesEx(first.version, wait_options(0))
        expect(again is None, "a poll with no change returned %r" % again)
        f.DestroyPropertyFilter()
    finally:
        pc.DestroyPropertyCollector()


def version_increases(old, new):
    try:
        return int(new) > int(old)
    except ValueError:
        return new != old and new > old


@check
def wait_sees_power_off_from_other_session():
    waiter = login()
    wcontent = waiter.RetrieveContent()
    pc = wcontent.propertyCollector.CreatePropertyCollector()
    vm_for_waiter = wcontent.searchIndex.FindByInventoryPath("/DC0/vm/DC0_H0_VM1")
    f1 = power_filter(pc, vm_for_waiter, ["runtime.powerState"])
    f2 = power_filter(pc, vm_for_waiter, ["runtime"])
    first = pc.WaitForUpdatesEx("", wait_options(0))
    expect(first is not None and len(first.filterSet) == 2, "initial update for two filters: %r" % first)
    got = {}

    def wait():
        try:
            got["update"] = pc.WaitForUpdatesEx(first.version, wait_options(20))
        except Exception as e:  # noqa: BLE001
            got["error"] = e

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    time.sleep(0.3)
    expect(thread.is_alive(), "the wait returned before any change: %r" % got)
    run_task(vm_named("DC0_H0_VM1").PowerOffVM_Task())
    thread.join(10)
    expect(not thread.is_alive(), "the waiter did not wake up within 10 s of the power-off")
    expect("error" not in got, "the wait failed: %r" % got.get("error"))
    update = got["update"]
    expect(update is not None, "the wait returned no update")
    seen = changes(update)
    by_filter = {}
    for (fid, oid, kind, name, val) in seen:
        expect_equal(oid, vm_for_waiter._moId, "changed object")
        expect_equal(kind, "modify", "update kind")
        by_filter[fid] = (name, val)
    expect_equal(by_filter.get(f1._moId), ("runtime.powerState", "poweredOff"), "change for runtime.powerState filter")
    name, val = by_filter.get(f2._moId, (None, None))
    expect(name == "runtime" and isinstance(val, vim.vm.RuntimeInfo) and val.powerState == "poweredOff"
           or name == "runtime.powerState" and val == "poweredOff",
           "change for the runtime filter: %r=%r" % (name, val))
    expect(version_increases(first.version, update.version),
           "version did not increase: %r -> %r" % (first.version, update.version))
    # A poll right after sees nothing new; powering back on is seen with a newer version again.
    expect(pc.WaitForUpdatesEx(update.version, wait_options(0)) is None, "a stale change was repeated")
    run_task(vm_named("DC0_H0_VM1").PowerOnVM_Task())
    later = pc.WaitForUpdatesEx(update.version, wait_options(5))
    expect(later is not None and version_increases(update.version, later.version), "power-on not seen")
    wcontent.sessionManager.Logout()


@check
def wait_timeout_returns_nothing():
    pc = S.content.propertyCollector.CreatePropertyCollector()
    try:
        power_filter(pc, vm_named("DC0_H0_VM0"), ["runtime.powerState"])
        first = pc.WaitForUpdatesEx("", wait_options(0))
        start = time.time()
        later = pc.WaitForUpdatesEx(first.version, wait_options(1))
        elapsed = time.time() - start
        expect(later is None, "a timed-out wait returned %r" % later)
        expect(0.8 <= elapsed < 5, "a 1 s wait took %.2f s" % elapsed)
    finally:
        pc.DestroyPropertyCollector()


@check
def cancel_wait_for_updates_request_canceled():
    pc = S.content.propertyCollector.CreatePropertyCollector()
    try:
        power_filter(pc, vm_named("DC0_H0_VM0"), ["runtime.powerState"])
        first = pc.WaitForUpdatesEx("", wait_options(0))
        got = {}

        def wait():
            try:
                got["update"] = pc.WaitForUpdatesEx(first.version, wait_options(20))
            except Exception as e:  # noqa: BLE001
                got["error"] = e

        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        time.sleep(0.3)
        expect(thread.is_alive(), "the wait returned early: %r" % got)
        pc.CancelWaitForUpdates()
        thread.join(5)
        expect(not thread.is_alive(), "CancelWaitForUpdates did not end the wait within 5 s")
        expect(isinstance(got.get("error"), vmodl.fault.RequestCanceled), "the wait ended with %r" % got)
    finally:
        pc.DestroyPropertyCollector()


POWER_VM = "DC0_C0_RP0_VM0"


@check
def power_off_task():
    vm = vm_named(POWER_VM)
    task = vm.PowerOffVM_Task()
    run_task(task)
    expect_equal(vm.runtime.powerState, "poweredOff", "runtime.powerState")
    expect_equal(task.info.descriptionId, "VirtualMachine.powerOff", "descriptionId")


@check
def repeated_power_off_invalid_power_state():
    vm = vm_named(POWER_VM)
    fault = task_error_strict(vim.fault.InvalidPowerState, vm.PowerOffVM_Task)
    expect_equal(fault.existingState, "poweredOff", "InvalidPowerState.existingState")
    expect_equal(vm.runtime.powerState, "poweredOff", "runtime.powerState")


@check
def power_on_task():
    vm = vm_named(POWER_VM)
    run_task(vm.PowerOnVM_Task())
    expect_equal(vm.runtime.powerState, "poweredOn", "runtime.powerState")
    expect(vm.runtime.bootTime is not None, "runtime.bootTime unset after power-on")
    task_error_strict(vim.fault.InvalidPowerState, vm.PowerOnVM_Task)


@check
def reset_task():
    vm = vm_named(POWER_VM)
    run_task(vm.ResetVM_Task())
    expect_equal(vm.runtime.powerState, "poweredOn", "runtime.powerState after reset")


@check
def suspend_task():
    vm = vm_named(POWER_VM)
    run_task(vm.SuspendVM_Task())
    expect_equal(vm.runtime.powerState, "suspended", "runtime.powerState")
    task_error_strict(vim.fault.InvalidPowerState, vm.ResetVM_Task)
    run_task(vm.PowerOnVM_Task())
    expect_equal(vm.runtime.powerState, "poweredOn", "runtime.powerState after resume")


@check
def query_events_after_power_operations():
    vm = vm_named(POWER_VM)
    em = S.content.eventManager
    by_entity = vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self")
    events = em.QueryEvents(vim.event.EventFilterSpec(entity=by_entity))
    kinds = [type(e).__name__ for e in events]
    for wanted in ("VmPoweredOffEvent", "VmPoweredOnEvent", "VmSuspendedEvent", "VmResettingEvent"):
        expect(any(k.endswith(wanted) for k in kinds), "no %s in %r" % (wanted, kinds))
    expect(all(e.vm is not None and e.vm.vm._moId == vm._moId for e in events), "an event of another VM")
    expect(all(e.createdTime is not None and e.key > 0 for e in events), "an event without key or time")
    expect(all(e.userName == USER for e in events if isinstance(e, vim.event.VmPoweredOffEvent)), "userName")
    only = em.QueryEvents(vim.event.EventFilterSpec(entity=by_entity, eventTypeId=["VmPoweredOffEvent"]))
    expect(len(only) >= 1 and all(isinstance(e, vim.event.VmPoweredOffEvent) for e in only),
           "eventTypeId filter: %r" % [type(e).__name__ for e in only])


@check
def pyvim_wait_for_task_and_tasks():
    # pyVim's own helpers: a filter on the task and WaitForUpdates (not Ex) until it ends.
    vm = vm_named(POWER_VM)
    got = {}

    def run():
        try:
            got["off"] = pyvim_task.WaitForTask(vm.PowerOffVM_Task(), si=S.si)
            try:
                pyvim_task.WaitForTask(vm.PowerOffVM_Task(), si=S.si)
            except vim.fault.InvalidPowerState as e:
                got["again"] = e
            got["on"] = pyvim_task.WaitForTasks([vm.PowerOnVM_Task()], si=S.si)
        except Exception as e:  # noqa: BLE001
            got["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    expect(not thread.is_alive(), "pyVim's WaitForTask did not return within 20 s")
    expect("error" not in got, "pyVim's task helpers failed: %r" % got.get("error"))
    expect_equal(got.get("off"), "success", "WaitForTask(power off)")
    expect(isinstance(got.get("again"), vim.fault.InvalidPowerState), "WaitForTask(repeated power off) raised %r" % got)
    expect_equal(vm.runtime.powerState, "poweredOn", "powerState after WaitForTasks(power on)")


def clone_spec(power_on=False, template=False):
    return vim.vm.CloneSpec(location=vim.vm.RelocateSpec(), powerOn=power_on, template=template)


@check
def clone_power_on_leaves_clone_powered_on():
    source = vm_named("DC0_H0_VM0")
    task = source.CloneVM_Task(S.dc.vmFolder, "pv-clone", clone_spec(power_on=True))
    clone = run_task(task)
    expect(isinstance(clone, vim.VirtualMachine), "task result %r" % clone)
    expect_equal(clone.name, "pv-clone", "clone name")
    expect_equal(clone.runtime.powerState, "poweredOn", "clone powerState (spec.powerOn=true)")
    expect_equal(vm_named("pv-clone")._moId, clone._moId, "/DC0/vm/pv-clone")
    expect(clone.config.uuid != source.config.uuid, "the clone kept the source's uuid")
    expect_equal(clone.config.hardware.numCPU, source.config.hardware.numCPU, "numCPU")
    S.clone_task = task


@check
def clone_task_info_fields():
    info = S.clone_task.info
    expect_equal(info.descriptionId, "VirtualMachine.clone", "descriptionId")
    expect_equal(info.name.info.wsdlName if info.name else None, "CloneVM_Task", "name")
    expect_equal(info.entityName, "DC0_H0_VM0", "entityName")
    expect_equal(info.entity._moId, vm_named("DC0_H0_VM0")._moId, "entity")
    expect_equal(info.state, "success", "state")
    expect(isinstance(info.result, vim.VirtualMachine) and info.result._moId == vm_named("pv-clone")._moId,
           "result %r" % info.result)
    expect(info.queueTime and info.startTime and info.completeTime, "times unset")
    expect(info.queueTime <= info.startTime <= info.completeTime, "times out of order")
    expect(info.error is None, "error set on a successful task")
    expect_equal(info.reason.userName if isinstance(info.reason, vim.TaskReasonUser) else None, USER, "reason.userName")


@check
def recent_tasks_hold_the_clone():
    recent = [t._moId for t in S.content.taskManager.recentTask]
    expect(S.clone_task._moId in recent, "%s not in recentTask %r" % (S.clone_task._moId, recent))
    infos = [t.info for t in S.content.taskManager.recentTask]
    expect(any(i.descriptionId == "VirtualMachine.powerOff" for i in infos), "no power-off task in recentTask")


@check
def clone_onto_taken_name_duplicate_name():
    source = vm_named("DC0_H0_VM0")
    fault = task_error_strict(vim.fault.DuplicateName, source.CloneVM_Task, S.dc.vmFolder, "pv-clone", clone_spec())
    expect_equal(fault.name, "pv-clone", "DuplicateName.name")
    expect_equal(len([v for v in S.dc.vmFolder.childEntity if v.name == "pv-clone"]), 1, "VMs named pv-clone")


@check
def power_on_template_invalid_state():
    source = vm_named("DC0_H0_VM0")
    template = run_task(source.CloneVM_Task(S.dc.vmFolder, "pv-template", clone_spec(template=True)))
    expect(template.config.template is True, "config.template of a clone with spec.template=true")
    expect_equal(template.runtime.powerState, "poweredOff", "template powerState")
    task_error(vim.fault.InvalidState, template.PowerOnVM_Task)
    expect_equal(template.runtime.powerState, "poweredOff", "template powerState after refused power-on")


@check
def folders_move_rename_and_duplicate_name():
    folder = S.dc.vmFolder.CreateFolder("pv-folder")
    expect(isinstance(folder, vim.Folder), "CreateFolder returned %r" % folder)
    expect_equal(find("/DC0/vm/pv-folder")._moId, folder._moId, "/DC0/vm/pv-folder")
    raises(vim.fault.DuplicateName, S.dc.vmFolder.CreateFolder, "pv-folder")
    template = vm_named("pv-template")
    run_task(folder.MoveIntoFolder_Task([template]))
    moved = find("/DC0/vm/pv-folder/pv-template")
    expect(moved is not None and moved._moId == template._moId, "/DC0/vm/pv-folder/pv-template = %r" % moved)
    expect_equal(template.parent._moId, folder._moId, "parent after the move")
    run_task(template.Rename_Task("pv-template-renamed"))
    expect_equal(template.name, "pv-template-renamed", "name after Rename_Task")
    expect(find("/DC0/vm/pv-folder/pv-template-renamed") is not None, "renamed path")
    other = S.dc.vmFolder.CreateFolder("pv-folder2")
    task_error_strict(vim.fault.DuplicateName, other.Rename_Task, "pv-folder")
    expect_equal(other.name, "pv-folder2", "name after a refused rename")
    run_task(other.Destroy_Task())
    expect(find("/DC0/vm/pv-folder2") is None, "destroyed folder still found")


@check
def templates_mark_and_unmark():
    template = find("/DC0/vm/pv-folder/pv-template-renamed")
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    template.MarkAsVirtualMachine(pool, host)
    expect(template.config.template is False, "config.template after MarkAsVirtualMachine")
    expect_equal(template.resourcePool._moId, pool._moId, "resourcePool after MarkAsVirtualMachine")
    template.MarkAsTemplate()
    expect(template.config.template is True, "config.template after MarkAsTemplate")
    running = vm_named("pv-clone")
    raises(vim.fault.InvalidPowerState, running.MarkAsTemplate)
    expect(running.config.template is False, "a running VM became a template")


def created_vm_spec(name, **extra):
    scsi = vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
        device=vim.vm.device.ParaVirtualSCSIController(key=-100, busNumber=0,
                                                       sharedBus=vim.vm.device.VirtualSCSIController.Sharing.noSharing),
    )
    spec = vim.vm.ConfigSpec(name=name, guestId="otherGuest", numCPUs=2, memoryMB=128,
                             files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"), deviceChange=[scsi])
    for k, v in extra.items():
        setattr(spec, k, v)
    return spec


@check
def create_vm():
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    task = S.dc.vmFolder.CreateVM_Task(created_vm_spec("pv-created"), pool, host)
    vm = run_task(task)
    expect(isinstance(vm, vim.VirtualMachine), "result %r" % vm)
    expect_equal(vm.name, "pv-created", "name")
    expect_equal((vm.config.hardware.numCPU, vm.config.hardware.memoryMB, vm.config.guestId),
                 (2, 128, "otherGuest"), "numCPU/memoryMB/guestId")
    expect_equal(vm.runtime.powerState, "poweredOff", "powerState")
    expect_equal(vm.resourcePool._moId, pool._moId, "resourcePool")
    expect_equal(vm.runtime.host._moId, host._moId, "runtime.host")
    expect(vm.config.files.vmPathName.startswith("[LocalDS_0]"), "vmPathName %r" % vm.config.files.vmPathName)
    expect(any(isinstance(d, vim.vm.device.ParaVirtualSCSIController) and d.key >= 0 for d in vm.config.hardware.device),
           "no pvscsi controller with a real key")
    expect(vm._moId in [v._moId for v in host.vm], "host.vm lacks the new VM")
    expect_equal(task.info.descriptionId, "Folder.createVm", "descriptionId")


@check
def create_vm_bad_config_spec():
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    bad = created_vm_spec("pv-bad", numCPUs=-3)
    fault = task_error((vim.fault.InvalidVmConfig, vmodl.fault.InvalidArgument), S.dc.vmFolder.CreateVM_Task, bad, pool, host)
    expect(getattr(fault, "invalidProperty", None) or getattr(fault, "property", None),
           "the fault names no property: %r" % fault)
    expect(find("/DC0/vm/pv-bad") is None, "a VM was created from a bad spec")


@check
def unknown_vm_profile_refused_by_create_and_reconfigure():
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    profile = [vim.vm.DefinedProfileSpec(profileId="aa6d5a82-1c88-45da-85d3-3d74b91a5bad")]
    bad = created_vm_spec("pv-unknown-profile", vmProfile=profile)
    fault = task_error_strict(vmodl.fault.InvalidArgument, S.dc.vmFolder.CreateVM_Task, bad, pool, host)
    expect_equal(fault.invalidProperty, "vmProfile", "CreateVM_Task: InvalidArgument.invalidProperty")
    expect(find("/DC0/vm/pv-unknown-profile") is None, "a VM was created under an unknown storage policy")
    fault = task_error_strict(vmodl.fault.InvalidArgument, vm_named("pv-created").ReconfigVM_Task,
                              vim.vm.ConfigSpec(vmProfile=profile))
    expect_equal(fault.invalidProperty, "vmProfile", "ReconfigVM_Task: InvalidArgument.invalidProperty")


@check
def reconfigure_cpu_and_memory():
    vm = vm_named("pv-created")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=4, memoryMB=256)))
    expect_equal((vm.config.hardware.numCPU, vm.config.hardware.memoryMB), (4, 256), "numCPU/memoryMB")
    expect_equal(vm.summary.config.numCpu, 4, "summary.config.numCpu")


@check
def reconfigure_add_disk():
    vm = vm_named("pv-created")
    ds = find("/DC0/datastore/LocalDS_0")
    free_before = ds.summary.freeSpace
    keys_before = {d.key for d in vm.config.hardware.device}
    controller = next(d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.ParaVirtualSCSIController))
    disk = vim.vm.device.VirtualDisk(
        key=-1, controllerKey=controller.key, unitNumber=0, capacityInKB=1024 * 1024,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName="", diskMode="persistent",
                                                               thinProvisioned=False),
    )
    change = vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk)
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[change])))
    disks = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    expect_equal(len(disks), 1, "disks after adding one")
    new = disks[0]
    expect(new.key >= 0 and new.key not in keys_before, "disk key %r (want a new non-negative key)" % new.key)
    expect_equal(new.controllerKey, controller.key, "controllerKey")
    expect_equal(new.capacityInKB, 1024 * 1024, "capacityInKB")
    expect(new.backing.fileName.startswith("[LocalDS_0]"), "backing.fileName %r" % new.backing.fileName)
    expect_equal(new.backing.datastore._moId, ds._moId, "backing.datastore")
    free_after = ds.summary.freeSpace
    expect(free_after < free_before, "freeSpace did not drop: %d -> %d" % (free_before, free_after))
    S.disk_key = new.key


@check
def extra_config_keyed_after_reconfigure():
    vm = vm_named("pv-created")
    option = vim.option.OptionValue(key="guestinfo.pv", value="hello")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(extraConfig=[option])))
    path = 'config.extraConfig["guestinfo.pv"]'
    got = retrieve(vm, [path]).get(path)
    expect(isinstance(got, vim.option.OptionValue), "%s = %r" % (path, got))
    expect_equal((got.key, got.value), ("guestinfo.pv", "hello"), path)
    expect(any(o.key == "guestinfo.pv" and o.value == "hello" for o in vm.config.extraConfig), "config.extraConfig")
    disk_path = "config.hardware.device[%d]" % S.disk_key
    expect(isinstance(retrieve(vm, [disk_path]).get(disk_path), vim.vm.device.VirtualDisk), disk_path)


@check
def change_tracking_and_secure_boot():
    vm = vm_named("pv-created")
    expect_equal((vm.capability.changeTrackingSupported, vm.config.changeTrackingEnabled), (True, False),
                 "changeTrackingSupported, changeTrackingEnabled")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(changeTrackingEnabled=True)))
    expect_equal(vm.config.changeTrackingEnabled, True, "config.changeTrackingEnabled")
    # Secure boot is for EFI firmware, which this VM does not have.
    secure = vim.vm.ConfigSpec(bootOptions=vim.vm.BootOptions(efiSecureBootEnabled=True))
    fault = task_error_strict(vim.fault.InvalidVmConfig, vm.ReconfigVM_Task, secure)
    expect_equal(fault.property, "msg.hostd.configSpec.efi", "InvalidVmConfig.property")
    expect_equal(vm.config.bootOptions.efiSecureBootEnabled, False, "config.bootOptions.efiSecureBootEnabled")


@check
def vapp_properties_added_edited_and_removed():
    vm = vm_named("pv-created")
    expect(vm.config.vAppConfig is None, "config.vAppConfig of a VM without vApp options: %r" % vm.config.vAppConfig)

    def reconfigure(*specs):
        return vm.ReconfigVM_Task(vim.vm.ConfigSpec(vAppConfig=vim.vApp.VmConfigSpec(property=list(specs))))

    def prop(operation, **info):
        return vim.vApp.PropertySpec(operation=operation, info=vim.vApp.PropertyInfo(**info))

    run_task(reconfigure(prop("add", key=0, id="role", type="string", userConfigurable=True, defaultValue="web"),
                         prop("add", key=1, id="debug", type="boolean", value="False")))
    run_task(reconfigure(prop("edit", key=0, value="db"), vim.vApp.PropertySpec(operation="remove", removeKey=1)))
    props = vm.config.vAppConfig.property
    expect_equal([(p.key, p.id, p.type, p.userConfigurable, p.defaultValue, p.value) for p in props],
                 [(0, "role", "string", True, "web", "db")], "config.vAppConfig.property")
    fault = task_error_strict(vmodl.fault.InvalidArgument, reconfigure, prop("edit", key=7, value="x"))
    expect_equal(fault.invalidProperty, "vAppConfig.property.info.key", "InvalidArgument.invalidProperty")


@check
def unknown_guest_id_refused():
    vm = vm_named("pv-created")
    guest = vm.config.guestId
    fault = task_error_strict(vmodl.fault.InvalidArgument, vm.ReconfigVM_Task, vim.vm.ConfigSpec(guestId="beos64Guest"))
    expect_equal(fault.invalidProperty, "configSpec.guestId", "InvalidArgument.invalidProperty")
    expect_equal(vm.config.guestId, guest, "config.guestId after a refused reconfigure")
    # One vSphere 8.0 added to the enum this pyVmomi's bindings predate.
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(guestId="rockylinux_64Guest")))
    expect_equal(vm.config.guestId, "rockylinux_64Guest", "config.guestId")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(guestId=guest)))


@check
def iso_cdrom_connects_at_power_on():
    vm = vm_named("pv-created")
    ide = next(d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualIDEController))
    cdrom = vim.vm.device.VirtualCdrom(
        key=-1, controllerKey=ide.key,
        backing=vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName="[LocalDS_0] pv.iso"),
        connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, connected=False,
                                                            allowGuestControl=True),
    )
    change = vim.vm.device.VirtualDeviceSpec(operation="add", device=cdrom)
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[change])))

    def iso_connected():
        return next(d.connectable.connected for d in vm.config.hardware.device
                    if isinstance(d, vim.vm.device.VirtualCdrom)
                    and isinstance(d.backing, vim.vm.device.VirtualCdrom.IsoBackingInfo))

    expect_equal(iso_connected(), False, "the ISO CD-ROM connected while the VM is off")
    # Labelled as vCenter labels a new drive: the first number no other CD-ROM has.
    labels = [d.deviceInfo.label for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    wanted = ["CD/DVD drive %d" % (i + 1) for i in range(len(labels))]
    expect_equal(sorted(labels), wanted, "the CD-ROMs' labels")
    run_task(vm.PowerOnVM_Task())
    expect_equal(iso_connected(), True, "the ISO CD-ROM connected once the VM is on")
    run_task(vm.PowerOffVM_Task())
    expect_equal(iso_connected(), False, "the ISO CD-ROM connected once the VM is off again")


@check
def vapp_environment_transport():
    vm = vm_named("DC0_H0_VM1")
    spec = vim.vApp.VmConfigSpec(ovfEnvironmentTransport=["com.vmware.guestInfo"])
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(vAppConfig=spec)))
    expect_equal(list(vm.config.vAppConfig.ovfEnvironmentTransport), ["com.vmware.guestInfo"],
                 "config.vAppConfig.ovfEnvironmentTransport")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(vAppConfigRemoved=True)))
    expect(vm.config.vAppConfig is None, "config.vAppConfig after vAppConfigRemoved")


@check
def scsi_controller_hot_added_and_removed():
    vm = vm_named("DC0_H0_VM0")
    if vm.runtime.powerState != "poweredOn":
        run_task(vm.PowerOnVM_Task())
    before = len(vm.config.hardware.device)
    scsi = vim.vm.device.ParaVirtualSCSIController(key=-1, busNumber=3, sharedBus="noSharing")
    add = vim.vm.device.VirtualDeviceSpec(operation="add", device=scsi)
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[add])))
    added = [d for d in vm.config.hardware.device
             if isinstance(d, vim.vm.device.ParaVirtualSCSIController) and d.busNumber == 3]
    expect_equal(len(added), 1, "a SCSI controller added to the running VM")
    # A SATA controller is added only while the VM is off.
    sata = vim.vm.device.VirtualAHCIController(key=-1, busNumber=3)
    task_error_strict(vim.fault.DeviceHotPlugNotSupported, vm.ReconfigVM_Task, vim.vm.ConfigSpec(
        deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", device=sata)]))
    remove = vim.vm.device.VirtualDeviceSpec(operation="remove", device=added[0])
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[remove])))
    expect_equal(len(vm.config.hardware.device), before, "the devices once it is removed again")


@check
def vgpu_and_managing_extension():
    vm = vm_named("pv-created")
    if vm.runtime.powerState != "poweredOff":
        run_task(vm.PowerOffVM_Task())
    gpu = vim.vm.device.VirtualPCIPassthrough(
        key=-1, backing=vim.vm.device.VirtualPCIPassthrough.VmiopBackingInfo(vgpu="grid_t4-2q"))
    add = vim.vm.device.VirtualDeviceSpec(operation="add", device=gpu)
    managed_by = vim.ext.ManagedByInfo(extensionKey="com.example.scheduler", type="worker")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(managedBy=managed_by, deviceChange=[add])))
    pci = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualPCIPassthrough)]
    expect_equal(len(pci), 1, "PCI passthrough devices")
    expect_equal(pci[0].backing.vgpu, "grid_t4-2q", "the vGPU's profile")
    expect_equal(pci[0].deviceInfo.label, "PCI device 0", "the vGPU's label")
    expect_equal(pci[0].controllerKey, 100, "the vGPU's controller")
    # A field of vim25/6.7 on: a 6.5 client is not sent it.
    expect_equal(vm.summary.config.numVmiopBackings, 1 if HTTPS else None, "summary.config.numVmiopBackings")
    expect_equal(vm.config.managedBy.extensionKey, "com.example.scheduler", "config.managedBy.extensionKey")
    expect_equal(vm.summary.config.managedBy.type, "worker", "summary.config.managedBy.type")
    run_task(vm.PowerOnVM_Task())
    remove = vim.vm.device.VirtualDeviceSpec(operation="remove", device=pci[0])
    task_error_strict(vim.fault.DeviceHotPlugNotSupported, vm.ReconfigVM_Task,
                      vim.vm.ConfigSpec(deviceChange=[remove]))
    run_task(vm.PowerOffVM_Task())
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        deviceChange=[remove], managedBy=vim.ext.ManagedByInfo(extensionKey="", type=""))))
    expect_equal(vm.summary.config.numVmiopBackings, 0 if HTTPS else None,
                 "summary.config.numVmiopBackings after the removal")
    expect(vm.config.managedBy is None, "config.managedBy after an empty extension key")


@check
def vm_resource_allocation_and_latency_sensitivity():
    vm = vm_named("pv-created")
    cpus = vm.config.hardware.numCPU
    expect_equal(vm.config.cpuAllocation.shares.shares, 1000 * cpus, "normal CPU shares for the VM's size")
    expect_equal(vm.config.cpuAllocation.limit, -1, "no CPU limit by default")
    spec = vim.vm.ConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(
            reservation=1200, limit=4000, shares=vim.SharesInfo(level="high", shares=0)),
        memoryAllocation=vim.ResourceAllocationInfo(
            reservation=16, shares=vim.SharesInfo(level="custom", shares=4242)),
        latencySensitivity=vim.LatencySensitivity(level="high"))
    run_task(vm.ReconfigVM_Task(spec))
    expect_equal(vm.config.cpuAllocation.reservation, 1200, "config.cpuAllocation.reservation")
    expect_equal(vm.config.cpuAllocation.shares.shares, 2000 * cpus, "high CPU shares for the VM's size")
    expect_equal(vm.config.memoryAllocation.shares.shares, 4242, "custom memory shares")
    expect_equal(vm.config.latencySensitivity.level, "high", "config.latencySensitivity.level")
    expect_equal(vm.summary.config.cpuReservation, 1200, "summary.config.cpuReservation")
    expect_equal(vm.summary.config.memoryReservation, 16, "summary.config.memoryReservation")
    expect_equal(vm.resourceConfig.memoryAllocation.reservation, 16, "resourceConfig.memoryAllocation")
    children = {c.entity._moId: c for c in vm.resourcePool.childConfiguration}
    expect_equal(children[vm._moId].cpuAllocation.limit, 4000, "the pool's childConfiguration of the VM")
    fault = task_error_strict(vmodl.fault.InvalidArgument, vm.ReconfigVM_Task, vim.vm.ConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=5000)))
    expect_equal(fault.invalidProperty, "spec.cpuAllocation", "a reservation above the limit")
    expect_equal(vm.config.cpuAllocation.reservation, 1200, "the refused spec changed nothing")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=0, limit=-1, shares=vim.SharesInfo(level="normal", shares=0)),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=0, shares=vim.SharesInfo(level="normal", shares=0)),
        latencySensitivity=vim.LatencySensitivity(level="normal"))))
    expect_equal(vm.summary.config.cpuReservation, 0, "the reservation given back")


@check
def resource_pool_runtime_counts_reservations():
    vm = vm_named("DC0_C0_RP0_VM1")
    pool = vm.resourcePool
    cluster = pool.owner
    capacity = cluster.summary.effectiveCpu
    expect_equal(pool.config.cpuAllocation.reservation, capacity, "the root pool reserves the cluster's capacity")
    expect_equal(pool.runtime.cpu.maxUsage, capacity, "runtime.cpu.maxUsage of the root pool")
    was_on = vm.runtime.powerState == "poweredOn"
    if not was_on:
        run_task(vm.PowerOnVM_Task())
    before = pool.runtime
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=700),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=64))))
    after = pool.runtime
    expect_equal(after.cpu.reservationUsed - before.cpu.reservationUsed, 700, "runtime.cpu.reservationUsed")
    expect_equal(after.cpu.reservationUsedForVm - before.cpu.reservationUsedForVm, 700,
                 "runtime.cpu.reservationUsedForVm")
    expect_equal(after.cpu.unreservedForVm, capacity - after.cpu.reservationUsed, "runtime.cpu.unreservedForVm")
    expect_equal(after.memory.reservationUsed - before.memory.reservationUsed, 64 * 1024 * 1024,
                 "runtime.memory.reservationUsed, in bytes")
    expect_equal(cluster.summary.usageSummary.cpuReservationMhz, after.cpu.reservationUsed,
                 "the cluster's usageSummary.cpuReservationMhz")
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=0),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=0))))
    expect_equal(pool.runtime.cpu.reservationUsed, before.cpu.reservationUsed, "the reservation given back")
    if not was_on:
        run_task(vm.PowerOffVM_Task())


@check
def resource_pool_update_child_resource_configuration_and_destroy_children():
    vm = vm_named("DC0_C0_RP0_VM1")
    root = vm.resourcePool
    normal = vim.SharesInfo(level="normal", shares=0)
    parent = root.CreateResourcePool("py-parent", vim.ResourceConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1, shares=normal),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1, shares=normal)))
    child = parent.CreateResourcePool("py-child", vim.ResourceConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1, shares=normal),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1, shares=normal)))
    parent.UpdateChildResourceConfiguration([vim.ResourceConfigSpec(
        entity=child,
        cpuAllocation=vim.ResourceAllocationInfo(reservation=250, limit=1000),
        memoryAllocation=vim.ResourceAllocationInfo())])
    expect_equal((child.config.cpuAllocation.reservation, child.config.cpuAllocation.limit), (250, 1000),
                 "the child's allocation after UpdateChildResourceConfiguration")
    expect_equal(parent.runtime.cpu.reservationUsed, 250, "the parent's runtime.cpu.reservationUsed")
    raises(vmodl.fault.InvalidArgument, root.UpdateChildResourceConfiguration, [vim.ResourceConfigSpec(
        entity=child, cpuAllocation=vim.ResourceAllocationInfo(), memoryAllocation=vim.ResourceAllocationInfo())])
    parent.RefreshRuntime()
    parent.DestroyChildren()
    expect_equal(list(parent.resourcePool), [], "the pool's child pools after DestroyChildren")
    run_task(parent.Destroy_Task())


@check
def option_manager_query_and_update():
    om = S.content.setting
    keys = sorted(o.key for o in om.QueryOptions("event."))
    expect_equal(keys, ["event.maxAge", "event.maxAgeEnabled"], "QueryOptions of a prefix")
    om.UpdateOptions(changedValue=[vim.option.OptionValue(key="event.maxAge", value=60)])
    expect_equal(om.QueryOptions("event.maxAge")[0].value, 60, "event.maxAge after UpdateOptions")
    om.UpdateOptions(changedValue=[vim.option.OptionValue(key="config.vsim.pyvmomi", value="yes")])
    expect("config.vsim.pyvmomi" in [o.key for o in om.setting], "a new config. setting in setting")
    fault = raises(vim.fault.InvalidName, om.QueryOptions, "nothing.")
    expect_equal(fault.name, "nothing.", "InvalidName.name")
    raises(vim.fault.InvalidName, om.UpdateOptions,
           changedValue=[vim.option.OptionValue(key="vsim.unknown", value="x")])
    om.UpdateOptions(changedValue=[vim.option.OptionValue(key="event.maxAge", value=30)])


@check
def relocate_updates_host_vm():
    vm = vm_named("DC0_H0_VM1")
    old_host = vm.runtime.host
    expect_equal(old_host.name, "DC0_H0", "starting host")
    host, pool = host_and_pool("/DC0/host/DC0_C0/DC0_C0_H1")
    run_task(vm.RelocateVM_Task(vim.vm.RelocateSpec(host=host, pool=pool)))
    expect_equal(vm.runtime.host._moId, host._moId, "runtime.host")
    expect_equal(vm.resourcePool._moId, pool._moId, "resourcePool")
    expect(vm._moId in [v._moId for v in host.vm], "the new host's vm lacks it")
    expect(vm._moId not in [v._moId for v in old_host.vm], "the old host's vm still holds it")
    expect(vm._moId in [v._moId for v in pool.vm], "the new pool's vm lacks it")
    expect(vm._moId in [v._moId for v in find("/DC0/datastore/LocalDS_0").vm], "datastore.vm lacks it")


@check
def session_is_active_and_clone_session():
    sm = S.content.sessionManager
    session = sm.currentSession
    expect(sm.SessionIsActive(session.key, USER) is True, "SessionIsActive(own session)")
    expect(sm.SessionIsActive("no-such-session", USER) is False, "SessionIsActive(unknown session)")
    ticket = sm.AcquireCloneTicket()
    expect(ticket, "AcquireCloneTicket returned nothing")
    clone = vim.ServiceInstance("ServiceInstance", bare_stub()).RetrieveContent()
    cloned = clone.sessionManager.CloneSession(ticket)
    expect_equal(cloned.userName, USER, "cloned session's userName")
    expect(cloned.key != session.key, "the clone shares the session key")
    expect(len(clone.rootFolder.childEntity) == 1, "the cloned session cannot read the inventory")
    other = vim.ServiceInstance("ServiceInstance", bare_stub()).RetrieveContent()
    raises(vim.fault.InvalidLogin, other.sessionManager.CloneSession, ticket)
    clone.sessionManager.Logout()
    expect(sm.SessionIsActive(session.key, USER) is True, "logging out the clone ended the original")


@check
def property_collector_is_per_session():
    # Two sessions wait at once on ServiceContent.propertyCollector: each sees its own filters,
    # and one's wait does not cancel the other's (as two WaitForTask callers would).
    PC = vmodl.query.PropertyCollector
    a, b = login().RetrieveContent(), login().RetrieveContent()
    try:
        def spec(content):
            vm = content.searchIndex.FindByInventoryPath("/DC0/vm/DC0_H0_VM0")
            return PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=vm)],
                                 propSet=[PC.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])])

        filter_a = a.propertyCollector.CreateFilter(spec(a), partialUpdates=False)
        version_a = a.propertyCollector.WaitForUpdatesEx("", PC.WaitOptions(maxWaitSeconds=0)).version
        outcome = {}

        def wait_a():
            try:
                outcome["a"] = a.propertyCollector.WaitForUpdatesEx(version_a, PC.WaitOptions(maxWaitSeconds=3))
            except Exception as e:  # noqa: BLE001 - reported below
                outcome["a"] = e

        waiter = threading.Thread(target=wait_a, daemon=True)
        waiter.start()
        time.sleep(0.3)
        expect(waiter.is_alive(), "A's wait ended before B began: %r" % outcome.get("a"))
        filter_b = b.propertyCollector.CreateFilter(spec(b), partialUpdates=False)
        first = b.propertyCollector.WaitForUpdatesEx("", PC.WaitOptions(maxWaitSeconds=0))
        expect_equal([f.filter._moId for f in first.filterSet], [filter_b._moId], "B's first update names")
        expect_equal([f._moId for f in b.propertyCollector.filter], [filter_b._moId], "B's collector's filters")
        # B waits too, while A still does: neither cancels the other.
        expect(b.propertyCollector.WaitForUpdatesEx(first.version, PC.WaitOptions(maxWaitSeconds=1)) is None,
               "B's wait, with nothing changed")
        waiter.join(10)
        expect(not waiter.is_alive(), "A's wait did not end")
        expect(outcome.get("a") is None, "A's wait, with nothing changed: %r" % outcome.get("a"))
        expect_equal([f._moId for f in a.propertyCollector.filter], [filter_a._moId], "A's collector's filters")
    finally:
        for content in (a, b):
            content.sessionManager.Logout()


@check
def search_index_find_by_uuid():
    vm = vm_named("DC0_H0_VM0")
    si = S.content.searchIndex
    found = si.FindByUuid(S.dc, vm.config.uuid, True)
    expect(found is not None and found._moId == vm._moId, "FindByUuid(bios uuid) = %r" % found)
    found = si.FindByUuid(None, vm.config.instanceUuid, True, True)
    expect(found is not None and found._moId == vm._moId, "FindByUuid(instance uuid) = %r" % found)
    expect(si.FindByUuid(None, "00000000-0000-0000-0000-000000000000", True) is None, "an unknown uuid found something")
    host = find("/DC0/host/DC0_H0/DC0_H0")
    found = si.FindByUuid(None, host.hardware.systemInfo.uuid, False)
    expect(found is not None and found._moId == host._moId, "FindByUuid(host uuid) = %r" % found)
    all_found = si.FindAllByUuid(None, vm.config.uuid, True)
    expect_equal([v._moId for v in all_found], [vm._moId], "FindAllByUuid")


@check
def search_index_find_by_ip():
    vm = vm_named("DC0_H0_VM0")
    ip = vm.guest.ipAddress
    expect(ip, "guest.ipAddress unset on a powered-on VM")
    found = S.content.searchIndex.FindByIp(None, ip, True)
    expect(found is not None and found._moId == vm._moId, "FindByIp(%s) = %r" % (ip, found))
    expect(S.content.searchIndex.FindByIp(S.dc, "203.0.113.254", True) is None, "an unknown IP found something")


@check
def search_index_find_by_dns_name():
    vm = vm_named("DC0_H0_VM0")
    name = vm.guest.hostName
    expect(name, "guest.hostName unset on a powered-on VM")
    found = S.content.searchIndex.FindByDnsName(None, name, True)
    expect(found is not None and found._moId == vm._moId, "FindByDnsName(%s) = %r" % (name, found))
    expect(S.content.searchIndex.FindByDnsName(None, "no-such-host.example", True) is None, "unknown name found")


@check
def search_index_find_by_datastore_path():
    vm = vm_named("DC0_H0_VM0")
    path = vm.config.files.vmPathName
    found = S.content.searchIndex.FindByDatastorePath(S.dc, path)
    expect(found is not None and found._moId == vm._moId, "FindByDatastorePath(%s) = %r" % (path, found))
    expect(S.content.searchIndex.FindByDatastorePath(S.dc, "[LocalDS_0] nope/nope.vmx") is None, "unknown path found")


@check
def wait_for_updates_view_enter_leave_and_truncation():
    pc = S.content.propertyCollector.CreatePropertyCollector()
    view = view_of(vim.VirtualMachine)
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view")
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        )
        pc.CreateFilter(spec, True)
        options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=0, maxObjectUpdates=2)
        version, entered, pages = "", set(), 0
        for _ in range(50):
            update = pc.WaitForUpdatesEx(version, options)
            expect(update is not None, "a truncated initial update ended early")
            pages += 1
            objects = [o for f in update.filterSet for o in f.objectSet]
            expect(len(objects) <= 2, "maxObjectUpdates=2 returned %d objects" % len(objects))
            entered |= {o.obj._moId for o in objects if o.kind == "enter"}
            version = update.version
            if not update.truncated:
                break
        expect_equal(sorted(entered), sorted(v._moId for v in view.view), "objects entered over the pages")
        expect(pages >= 3, "only %d pages for %d VMs with maxObjectUpdates=2" % (pages, len(entered)))
        wait = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=5)
        clone = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-watched", clone_spec()))
        update = pc.WaitForUpdatesEx(version, wait)
        got = [(o.kind, o.obj._moId, [(c.name, c.val) for c in o.changeSet]) for f in update.filterSet for o in f.objectSet]
        expect(("enter", clone._moId, [("name", "pv-watched")]) in got, "no enter for the clone: %r" % got)
        run_task(clone.Destroy_Task())
        update = pc.WaitForUpdatesEx(update.version, wait)
        got = [(o.kind, o.obj._moId) for f in (update.filterSet if update else []) for o in f.objectSet]
        expect(("leave", clone._moId) in got, "no leave for the destroyed clone: %r" % got)
    finally:
        view.DestroyView()
        pc.DestroyPropertyCollector()


@check
def destroy_powered_on_invalid_power_state():
    vm = vm_named("pv-clone")
    task_error_strict(vim.fault.InvalidPowerState, vm.Destroy_Task)
    expect_equal(vm.name, "pv-clone", "the VM survived")


@check
def destroy_vm_then_managed_object_not_found():
    vm = vm_named("pv-created")
    moid = vm._moId
    host = vm.runtime.host
    run_task(vm.Destroy_Task())
    expect(find("/DC0/vm/pv-created") is None, "the VM is still at its path")
    fault = raises(vmodl.fault.ManagedObjectNotFound, lambda: vm.name)
    expect(fault.obj is not None and fault.obj._moId == moid, "ManagedObjectNotFound.obj %r" % fault.obj)
    vms = names_by_view(vim.VirtualMachine)
    expect(all(o._moId != moid for o in vms), "the container view still lists it")
    expect(moid not in [v._moId for v in host.vm], "host.vm still holds it")
    expect(moid not in [v._moId for v in find("/DC0/datastore/LocalDS_0").vm], "datastore.vm still holds it")


@check
def unknown_moref_managed_object_not_found():
    ghost = vim.VirtualMachine("vm-987654", S.si._stub)
    fault = raises(vmodl.fault.ManagedObjectNotFound, lambda: ghost.name)
    expect_equal(fault.obj._moId, "vm-987654", "obj")
    raises(vmodl.fault.ManagedObjectNotFound, ghost.PowerOnVM_Task)


@check
def reference_of_other_type_managed_object_not_found():
    # A Folder's id under the VirtualMachine type names nothing: objects are found by type and id.
    wrong = vim.VirtualMachine(S.dc.vmFolder._moId, S.si._stub)
    fault = raises(vmodl.fault.ManagedObjectNotFound, wrong.PowerOnVM_Task)
    expect_equal((fault.obj._wsdlName, fault.obj._moId), ("VirtualMachine", S.dc.vmFolder._moId), "ManagedObjectNotFound.obj")


@check
def unknown_property_path_invalid_property():
    vm = vm_named("DC0_H0_VM0")
    fault = raises(vmodl.query.InvalidProperty, retrieve, vm, ["config.noSuchThing"])
    expect("noSuchThing" in (fault.name or ""), "InvalidProperty.name %r" % fault.name)


@check
def unknown_traversal_name_invalid_argument():
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=S.content.rootFolder, selectSet=[vmodl.query.PropertyCollector.SelectionSpec(name="noSuchTraversal")])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Folder, pathSet=["name"])],
    )
    pc = S.content.propertyCollector
    raises(vmodl.fault.InvalidArgument, pc.RetrievePropertiesEx, [spec], vmodl.query.PropertyCollector.RetrieveOptions())


@check
def bad_continue_token_invalid_property():
    raises(vmodl.query.InvalidProperty, S.content.propertyCollector.ContinueRetrievePropertiesEx, "no-such-token")


@check
def bad_container_view_invalid_argument():
    vm = vm_named("DC0_H0_VM0")
    raises(vmodl.fault.InvalidArgument, S.content.viewManager.CreateContainerView, vm, [vim.VirtualMachine], True)


@check
def all_events_of_the_run_read_back():
    events = S.content.eventManager.QueryEvents(vim.event.EventFilterSpec())
    kinds = {type(e).__name__.rsplit(".", 1)[-1] for e in events}
    for wanted in ("UserLoginSessionEvent", "UserLogoutSessionEvent", "VmPoweredOnEvent", "VmPoweredOffEvent",
                   "VmClonedEvent", "VmCreatedEvent", "VmReconfiguredEvent", "VmRemovedEvent", "VmRenamedEvent"):
        expect(wanted in kinds, "no %s among %r" % (wanted, sorted(kinds)))
    # The relocated VM was powered on: a migration (a cold one would be VmRelocatedEvent).
    expect("VmMigratedEvent" in kinds or "VmRelocatedEvent" in kinds, "no event for the relocate")
    keys = [e.key for e in events]
    expect_equal(len(set(keys)), len(keys), "distinct event keys")
    reconfigured = [e for e in events if isinstance(e, vim.event.VmReconfiguredEvent) and e.vm.name == "pv-created"]
    expect(any(e.configSpec.numCPUs == 4 for e in reconfigured), "no VmReconfiguredEvent with the numCPUs=4 spec")
    expect(any(isinstance(c.device, vim.vm.device.VirtualDisk)
               for e in reconfigured for c in e.configSpec.deviceChange or []), "no event with the disk added")


@check
def recent_task_infos_read_back():
    tasks = S.content.taskManager.recentTask
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=t) for t in tasks],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info"])],
    )
    result = S.content.propertyCollector.RetrieveProperties([spec])
    infos = [o.propSet[0].val for o in result]
    expect_equal(len(infos), len(tasks), "tasks read")
    expect(all(i.state in ("success", "error") for i in infos), "a task never ended: %r" % [i.state for i in infos])
    errors = {type(i.error).__name__.rsplit(".", 1)[-1] for i in infos if i.state == "error"}
    for wanted in ("InvalidPowerState", "DuplicateName"):
        expect(wanted in errors, "no task failed with %s (errors: %r)" % (wanted, sorted(errors)))
    expect(all(i.error is None for i in infos if i.state == "success"), "a successful task carries an error")
    expect(all(i.key == o.obj._moId for i, o in zip(infos, result)), "TaskInfo.key differs from the task's id")


# ---------------------------------------------------------------------------------------
# Snapshots, host states, custom fields, guest customization and history collectors


def snapshot_tree(vm):
    """The VM's snapshot tree as nested (name, moId, state, [children]) tuples, from `snapshot`."""
    def walk(nodes):
        return [(n.name, n.snapshot._moId, n.state, walk(n.childSnapshotList or [])) for n in nodes or []]
    info = retrieve(vm, ["snapshot"]).get("snapshot")
    return walk(info.rootSnapshotList) if info is not None else []


def current_snapshot_id(vm):
    info = retrieve(vm, ["snapshot"]).get("snapshot")
    return info.currentSnapshot._moId if info is not None and info.currentSnapshot is not None else None


class Snap:
    vm = None
    first = None
    second = None
    third = None


@check
def snapshot_create_with_memory_on_running_vm():
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-snapped", clone_spec(power_on=True)))
    expect_equal(vm.runtime.powerState, "poweredOn", "clone's power state")
    expect(vm.snapshot is None, "a new clone has a snapshot tree: %r" % vm.snapshot)
    info = wait_task(vm.CreateSnapshot_Task("pv-snap1", "running, with memory", True, False))
    expect_equal(info.state, "success", "CreateSnapshot_Task state")
    expect_equal(info.descriptionId, "VirtualMachine.createSnapshot", "descriptionId")
    expect_equal(info.entity._moId, vm._moId, "the task's entity")
    snap = info.result
    expect(isinstance(snap, vim.vm.Snapshot), "task result %r" % snap)
    expect_equal(snap.vm._moId, vm._moId, "snapshot.vm")
    expect_equal(snap.config.hardware.numCPU, 1, "snapshot.config.hardware.numCPU")
    expect_equal(vm.runtime.powerState, "poweredOn", "the VM keeps running")
    Snap.vm, Snap.first = vm, snap


@check
def snapshot_property_tree_and_current():
    vm = Snap.vm
    node = vm.snapshot.rootSnapshotList[0]
    expect_equal((node.name, node.description, node.state, node.quiesced),
                 ("pv-snap1", "running, with memory", "poweredOn", False), "root snapshot")
    expect(node.id > 0 and node.createTime is not None, "snapshot id %r, createTime %r" % (node.id, node.createTime))
    expect_equal(node.vm._moId, vm._moId, "tree node's vm")
    expect_equal(vm.snapshot.currentSnapshot._moId, Snap.first._moId, "currentSnapshot")
    expect_equal([s._moId for s in vm.rootSnapshot], [Snap.first._moId], "vm.rootSnapshot")
    # Without CPU and memory hot add, a running VM's CPUs and memory change only when it is off.
    task_error_strict(vim.fault.CpuHotPlugNotSupported, vm.ReconfigVM_Task, vim.vm.ConfigSpec(numCPUs=2))
    run_task(vm.PowerOffVM_Task())
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=2, memoryMB=64)))
    Snap.second = run_task(vm.CreateSnapshot_Task("pv-snap2", "", True, False))
    Snap.third = run_task(vm.CreateSnapshot_Task("pv-snap3", "", False, False))
    expect_equal(snapshot_tree(vm),
                 [("pv-snap1", Snap.first._moId, "poweredOn",
                   [("pv-snap2", Snap.second._moId, "poweredOff",
                     [("pv-snap3", Snap.third._moId, "poweredOff", [])])])], "snapshot tree")
    expect_equal(current_snapshot_id(vm), Snap.third._moId, "currentSnapshot after a third snapshot")
    expect_equal(Snap.second.config.hardware.numCPU, 2, "the second snapshot's numCPU")
    expect_equal(Snap.second.childSnapshot[0]._moId, Snap.third._moId, "pv-snap2's childSnapshot")


@check
def snapshot_files_in_layout_ex():
    vm = Snap.vm
    layout = retrieve(vm, ["layoutEx"])["layoutEx"]
    files = {f.key: f for f in layout.file}
    by_snapshot = {s.key._moId: s for s in layout.snapshot}
    expect_equal(sorted(by_snapshot), sorted([Snap.first._moId, Snap.second._moId, Snap.third._moId]),
                 "layoutEx.snapshot keys")
    first = by_snapshot[Snap.first._moId]
    expect_equal(files[first.dataKey].type, "snapshotData", "the first snapshot's state file")
    expect(files[first.dataKey].name.endswith("-Snapshot1.vmsn"), "state file %r" % files[first.dataKey].name)
    # The first was taken of a running VM with its memory (32 MB then); the third of a powered-off one.
    expect_equal((files[first.memoryKey].type, files[first.memoryKey].size), ("snapshotMemory", 32 * 1024 * 1024),
                 "the first snapshot's memory file")
    expect_equal(by_snapshot[Snap.third._moId].memoryKey, -1, "a powered-off snapshot's memoryKey")
    disk_keys = {d.key for d in layout.disk}
    expect_equal({d.key for d in first.disk}, disk_keys, "the disks the first snapshot chains to")


@check
def snapshot_revert_restores_power_state_and_config():
    vm = Snap.vm
    run_task(Snap.first.RevertToSnapshot_Task())
    got = retrieve(vm, ["runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB"])
    expect_equal(got, {"runtime.powerState": "poweredOn", "config.hardware.numCPU": 1,
                       "config.hardware.memoryMB": 32}, "after reverting to the memory snapshot")
    expect_equal(current_snapshot_id(vm), Snap.first._moId, "currentSnapshot after revert")
    run_task(Snap.second.RevertToSnapshot_Task())
    got = retrieve(vm, ["runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB"])
    expect_equal(got, {"runtime.powerState": "poweredOff", "config.hardware.numCPU": 2,
                       "config.hardware.memoryMB": 64}, "after reverting to the powered-off snapshot")
    expect_equal(current_snapshot_id(vm), Snap.second._moId, "currentSnapshot after the second revert")
    run_task(vm.RevertToCurrentSnapshot_Task())
    expect_equal(vm.runtime.powerState, "poweredOff", "power state after RevertToCurrentSnapshot")
    spec = vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self"),
                                     eventTypeId=["com.vmware.vc.vm.VmStateRevertedToSnapshot"])
    reverted = S.content.eventManager.QueryEvents(spec)
    expect_equal(len(reverted), 3, "VmStateRevertedToSnapshot events")
    args = {a.key: a.value for a in reverted[-1].arguments or []}
    expect(isinstance(reverted[-1], vim.event.EventEx) and args.get("snapshotName") in ("pv-snap1", "pv-snap2"),
           "revert event %r, arguments %r" % (type(reverted[-1]).__name__, args))


@check
def snapshot_remove_without_and_with_children():
    vm = Snap.vm
    run_task(Snap.second.RemoveSnapshot_Task(False))
    raises(vmodl.fault.ManagedObjectNotFound, lambda: Snap.second.config)
    expect_equal(snapshot_tree(vm),
                 [("pv-snap1", Snap.first._moId, "poweredOn", [("pv-snap3", Snap.third._moId, "poweredOff", [])])],
                 "tree after removing pv-snap2 alone")
    expect_equal(current_snapshot_id(vm), Snap.first._moId, "the removed current snapshot's parent is current")
    expect_equal(vm.config.hardware.numCPU, 2, "removing a snapshot changed the VM's config")
    run_task(Snap.first.RemoveSnapshot_Task(True))
    for snap in (Snap.first, Snap.third):
        raises(vmodl.fault.ManagedObjectNotFound, lambda s=snap: s.config)
    expect(vm.snapshot is None, "snapshot still set after removing the root with its children: %r" % vm.snapshot)
    expect_equal(vm.rootSnapshot, [], "vm.rootSnapshot")


@check
def snapshot_remove_all():
    vm = Snap.vm
    pc = S.content.propertyCollector.CreatePropertyCollector()
    try:
        power_filter(pc, vm, ["snapshot"])
        first = pc.WaitForUpdatesEx("", wait_options(0))
        # No snapshot: the property is unset, so the enter carries no change for it.
        expect([c[2:4] for c in changes(first)] == [("enter", None)], "initial update %r" % changes(first))
        a = run_task(vm.CreateSnapshot_Task("pv-snap-a", "", False, False))
        update = pc.WaitForUpdatesEx(first.version, wait_options(5))
        got = [(kind, name, val) for _, _, kind, name, val in changes(update)]
        expect(len(got) == 1 and got[0][:2] == ("modify", "snapshot"), "update after CreateSnapshot: %r" % got)
        expect_equal(got[0][2].currentSnapshot._moId, a._moId, "currentSnapshot in the update")
        expect(version_increases(first.version, update.version), "version %r -> %r" % (first.version, update.version))
    finally:
        pc.DestroyPropertyCollector()
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=4)))
    b = run_task(vm.CreateSnapshot_Task("pv-snap-b", "", False, False))
    expect_equal(len(snapshot_tree(vm)), 1, "roots before RemoveAllSnapshots")
    info = wait_task(vm.RemoveAllSnapshots_Task())
    expect_equal(info.state, "success", "RemoveAllSnapshots_Task state")
    expect(vm.snapshot is None, "snapshot still set after RemoveAllSnapshots: %r" % vm.snapshot)
    for snap in (a, b):
        raises(vmodl.fault.ManagedObjectNotFound, lambda s=snap: s.config)
    expect_equal(vm.config.hardware.numCPU, 4, "RemoveAllSnapshots changed the VM's config")
    task_error(vim.fault.InvalidName, vm.CreateSnapshot_Task, "", "", False, False)


@check
def snapshot_ex_rename_and_template_refusal():
    vm = Snap.vm
    snap = run_task(vm.CreateSnapshotEx_Task("pv-snap-ex", "made with Ex", False))
    expect_equal(current_snapshot_id(vm), snap._moId, "currentSnapshot after CreateSnapshotEx")
    snap.RenameSnapshot(name="pv-snap-renamed", description="renamed")
    node = vm.snapshot.rootSnapshotList[0]
    expect_equal((node.name, node.description), ("pv-snap-renamed", "renamed"), "the renamed snapshot")
    run_task(vm.RemoveAllSnapshots_Task())
    template = find("/DC0/vm/pv-folder/pv-template-renamed")
    expect(template is not None and template.config.template, "no template to snapshot")
    task_error(vmodl.fault.NotSupported, template.CreateSnapshot_Task, "pv-snap-t", "", False, False)
    expect(template.snapshot is None, "the template got a snapshot")


MAINT_HOST = "/DC0/host/DC0_C0/DC0_C0_H2"


@check
def maintenance_mode_refused_while_a_vm_runs():
    host, pool = host_and_pool(MAINT_HOST)
    spec = vim.vm.CloneSpec(location=vim.vm.RelocateSpec(host=host, pool=pool), powerOn=True, template=False)
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-maint", spec))
    expect_equal(vm.runtime.host._moId, host._moId, "the clone's host")
    expect_equal(vm.runtime.powerState, "poweredOn", "the clone's power state")
    task_error(vim.fault.InvalidState, host.EnterMaintenanceMode_Task, 30, False)
    expect_equal(host.runtime.inMaintenanceMode, False, "inMaintenanceMode after a refused enter")


@check
def maintenance_mode_after_power_off_refuses_power_on():
    host, _ = host_and_pool(MAINT_HOST)
    for vm in host.vm:
        if vm.runtime.powerState == "poweredOn":
            run_task(vm.PowerOffVM_Task())
    info = wait_task(host.EnterMaintenanceMode_Task(30, False))
    expect_equal(info.state, "success", "EnterMaintenanceMode_Task state")
    expect_equal(info.descriptionId, "HostSystem.enterMaintenanceMode", "descriptionId")
    got = retrieve(host, ["runtime.inMaintenanceMode", "summary.runtime.inMaintenanceMode"])
    expect_equal(got, {"runtime.inMaintenanceMode": True, "summary.runtime.inMaintenanceMode": True},
                 "maintenance flags")
    vm = vm_named("pv-maint")
    task_error(vim.fault.InvalidState, vm.PowerOnVM_Task)
    expect_equal(vm.runtime.powerState, "poweredOff", "power state after a refused power-on")
    task_error(vim.fault.InvalidState, host.EnterMaintenanceMode_Task, 30, False)


@check
def maintenance_mode_exit():
    host, _ = host_and_pool(MAINT_HOST)
    run_task(host.ExitMaintenanceMode_Task(30))
    expect_equal(host.runtime.inMaintenanceMode, False, "inMaintenanceMode after exit")
    task_error(vim.fault.InvalidState, host.ExitMaintenanceMode_Task, 30)
    vm = vm_named("pv-maint")
    run_task(vm.PowerOnVM_Task())
    expect_equal(vm.runtime.powerState, "poweredOn", "power state after exit")


@check
def host_disconnect_and_reconnect():
    host, _ = host_and_pool(MAINT_HOST)
    vm = vm_named("pv-maint")
    run_task(host.DisconnectHost_Task())
    got = retrieve(host, ["runtime.connectionState", "runtime.powerState", "summary.runtime.connectionState"])
    expect_equal(got, {"runtime.connectionState": "disconnected", "runtime.powerState": "unknown",
                       "summary.runtime.connectionState": "disconnected"}, "host after disconnect")
    expect_equal(vm.runtime.connectionState, "disconnected", "the VM's connectionState after disconnect")
    fault = task_error(vim.fault.InvalidHostConnectionState, vm.PowerOffVM_Task)
    expect(fault.host is not None and fault.host._moId == host._moId, "InvalidHostConnectionState.host %r" % fault.host)
    expect_equal(vm.runtime.powerState, "poweredOn", "power state after a refused power-off")
    states = names_by_view(vim.HostSystem, ("name", "runtime.connectionState"))
    expect_equal(sorted(v["name"] for v in states.values() if v["runtime.connectionState"] != "connected"),
                 ["DC0_C0_H2"], "disconnected hosts")
    run_task(host.ReconnectHost_Task())
    expect_equal(host.runtime.connectionState, "connected", "host after reconnect")
    expect_equal(host.runtime.powerState, "poweredOn", "host power state after reconnect")
    expect_equal(vm.runtime.connectionState, "connected", "the VM's connectionState after reconnect")
    expect_equal(vm.runtime.powerState, "poweredOn", "the VM kept running")
    spec = vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=host, recursion="self"))
    kinds = [type(e).__name__.rsplit(".", 1)[-1] for e in S.content.eventManager.QueryEvents(spec)]
    for wanted in ("EnteredMaintenanceModeEvent", "ExitMaintenanceModeEvent", "HostDisconnectedEvent",
                   "HostConnectedEvent"):
        expect(wanted in kinds, "no %s for the host among %r" % (wanted, kinds))


@check
def custom_field_def_and_values():
    cfm = S.content.customFieldsManager
    field = cfm.AddCustomFieldDef("pv-owner", vim.VirtualMachine)
    expect_equal((field.name, field.managedObjectType), ("pv-owner", vim.VirtualMachine), "field def")
    expect(field.key in [f.key for f in cfm.field], "the new field is not in CustomFieldsManager.field")
    host_field = cfm.AddCustomFieldDef("pv-rack", vim.HostSystem)
    expect(host_field.key != field.key, "two fields share key %r" % field.key)
    vm = vm_named("DC0_H0_VM0")
    vm.setCustomValue("pv-owner", "alice")
    values = retrieve(vm, ["customValue", "availableField", "value"])
    expect_equal([(v.key, v.value) for v in values["customValue"] if v.key == field.key], [(field.key, "alice")],
                 "customValue")
    expect_equal([(v.key, v.value) for v in values["value"] if v.key == field.key], [(field.key, "alice")], "value")
    available = {f.name: f for f in values["availableField"]}
    expect("pv-owner" in available and available["pv-owner"].key == field.key, "availableField %r" % sorted(available))
    expect("pv-rack" not in available, "a HostSystem field is available on a VM")
    cfm.SetField(vm, field.key, "bob")
    expect_equal([v.value for v in vm.customValue if v.key == field.key], ["bob"], "customValue after SetField")
    other = vm_named("DC0_H0_VM1")
    expect(all(v.key != field.key for v in other.customValue), "the value leaked to another VM")


@check
def custom_field_taken_name_duplicate_name():
    cfm = S.content.customFieldsManager
    before = len(cfm.field)
    fault = raises(vim.fault.DuplicateName, cfm.AddCustomFieldDef, "pv-owner", vim.VirtualMachine)
    expect_equal(fault.name, "pv-owner", "DuplicateName.name")
    expect_equal(len(cfm.field), before, "fields after a refused add")


@check
def custom_field_rename_global_and_remove():
    cfm = S.content.customFieldsManager
    vm = vm_named("DC0_H0_VM0")
    field = [f for f in cfm.field if f.name == "pv-owner"][0]
    cfm.RenameCustomFieldDef(field.key, "pv-owned-by")
    expect_equal([f.name for f in vm.availableField if f.key == field.key], ["pv-owned-by"], "renamed field")
    expect_equal([v.value for v in vm.customValue if v.key == field.key], ["bob"], "value kept over a rename")
    host = find(MAINT_HOST)
    host.setCustomValue("pv-global", "here")
    made = [f for f in cfm.field if f.name == "pv-global"]
    expect(len(made) == 1 and made[0].managedObjectType is None, "setCustomValue's new field: %r" % made)
    expect("pv-global" in [f.name for f in vm.availableField], "a global field is not available on a VM")
    expect_equal([v.value for v in host.customValue if v.key == made[0].key], ["here"], "host.customValue")
    cfm.SetField(vm, field.key, "")
    expect(all(v.key != field.key for v in vm.customValue), "an empty value did not remove the value")
    vm.setCustomValue("pv-owned-by", "carol")
    cfm.RemoveCustomFieldDef(field.key)
    expect(all(f.key != field.key for f in cfm.field), "the removed field is still defined")
    expect(all(v.key != field.key for v in vm.customValue), "the removed field's value is still on the VM")
    raises(vmodl.fault.InvalidArgument, cfm.SetField, vm, field.key, "dave")


def customization_spec(host_name, ip):
    return vim.vm.customization.Specification(
        identity=vim.vm.customization.LinuxPrep(hostName=vim.vm.customization.FixedName(name=host_name),
                                                domain="example.test"),
        globalIPSettings=vim.vm.customization.GlobalIPSettings(),
        nicSettingMap=[vim.vm.customization.AdapterMapping(
            adapter=vim.vm.customization.IPSettings(ip=vim.vm.customization.FixedIp(ipAddress=ip),
                                                     subnetMask="255.255.255.0"))])


def poll(read, wanted, timeout=5.0):
    """Reads until the value is `wanted` (bounded); returns the last value read."""
    deadline = time.time() + timeout
    while True:
        got = read()
        if got == wanted or time.time() > deadline:
            return got
        time.sleep(0.05)


@check
def customize_powered_off_vm_then_power_on():
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-customized", clone_spec()))
    expect_equal(vm.runtime.powerState, "poweredOff", "the clone's power state")
    info = wait_task(vm.CustomizeVM_Task(customization_spec("pv-guest", "10.0.0.42")))
    expect_equal(info.state, "success", "CustomizeVM_Task state")
    run_task(vm.PowerOnVM_Task())
    expect_equal(poll(lambda: vm.guest.hostName, "pv-guest"), "pv-guest", "guest.hostName")
    expect_equal(poll(lambda: vm.guest.ipAddress, "10.0.0.42"), "10.0.0.42", "guest.ipAddress")
    found = S.content.searchIndex.FindByIp(None, "10.0.0.42", True)
    expect(found is not None and found._moId == vm._moId, "FindByIp(customized address) = %r" % found)
    spec = vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self"))
    kinds = [type(e).__name__.rsplit(".", 1)[-1] for e in S.content.eventManager.QueryEvents(spec)]
    for wanted in ("CustomizationStartedEvent", "CustomizationSucceeded"):
        expect(wanted in kinds, "no %s among %r" % (wanted, kinds))


@check
def customize_more_nic_settings_than_nics_nic_setting_mismatch():
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-two-nics", clone_spec()))
    spec = customization_spec("pv-two", "10.0.0.50")
    spec.nicSettingMap.append(vim.vm.customization.AdapterMapping(
        adapter=vim.vm.customization.IPSettings(ip=vim.vm.customization.DhcpIpGenerator())))
    fault = task_error(vim.fault.NicSettingMismatch, vm.CustomizeVM_Task, spec)
    expect_equal((fault.numberOfNicsInSpec, fault.numberOfNicsInVM), (2, 1), "NicSettingMismatch counts")
    run_task(vm.PowerOnVM_Task())
    expect(vm.guest.hostName != "pv-two", "a refused customization was applied")


@check
def customize_running_vm_invalid_power_state():
    vm = vm_named("pv-customized")
    task_error(vim.fault.InvalidPowerState, vm.CustomizeVM_Task, customization_spec("pv-other", "10.0.0.43"))
    expect_equal(vm.guest.hostName, "pv-guest", "guest.hostName after a refused customization")


@check
def customization_spec_saved_then_applied_by_name():
    specs = S.content.customizationSpecManager
    item = vim.CustomizationSpecItem(
        info=vim.CustomizationSpecInfo(name="pv-saved", description="saved", type="Linux"),
        spec=customization_spec("pv-saved-guest", "10.0.0.44"))
    expect(not specs.DoesCustomizationSpecExist("pv-saved"), "a spec before it was saved")
    specs.CreateCustomizationSpec(item)
    raises(vim.fault.AlreadyExists, specs.CreateCustomizationSpec, item)
    expect_equal([i.name for i in specs.info], ["pv-saved"], "CustomizationSpecManager.info")
    saved = specs.GetCustomizationSpec("pv-saved")
    expect(saved.info.changeVersion, "a saved spec's change version")
    stale = vim.CustomizationSpecItem(
        info=vim.CustomizationSpecInfo(name="pv-saved", description="", type="Linux", changeVersion="0"),
        spec=saved.spec)
    raises(vim.fault.ConcurrentAccess, specs.OverwriteCustomizationSpec, stale)
    # A VM customized by the saved spec, as govc's vm.customize -name does.
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-by-name", clone_spec()))
    run_task(vm.CustomizeVM_Task(saved.spec))
    run_task(vm.PowerOnVM_Task())
    expect_equal(poll(lambda: vm.guest.hostName, "pv-saved-guest"), "pv-saved-guest", "guest.hostName")
    specs.DeleteCustomizationSpec("pv-saved")
    raises(vim.fault.NotFound, specs.GetCustomizationSpec, "pv-saved")


@check
def console_ticket_standby_guest_and_hardware_upgrade():
    vm = run_task(vm_named("DC0_H0_VM0").CloneVM_Task(S.dc.vmFolder, "pv-standby", clone_spec()))
    run_task(vm.PowerOnVM_Task())
    ticket = vm.AcquireTicket("webmks")
    expect(ticket.ticket and ticket.host == "DC0_H0" and ticket.port == 443, "AcquireTicket(webmks) = %r" % ticket)
    vm.StandbyGuest()
    expect_equal(poll(lambda: vm.runtime.powerState, "suspended"), "suspended", "powerState after StandbyGuest")
    raises(vim.fault.InvalidPowerState, vm.AcquireTicket, "webmks")
    run_task(vm.PowerOffVM_Task())
    run_task(vm.UpgradeVM_Task("vmx-19"))
    expect_equal(vm.config.version, "vmx-19", "config.version after UpgradeVM_Task")
    task_error(vim.fault.AlreadyUpgraded, vm.UpgradeVM_Task, "vmx-17")


def event_keys(events):
    return [e.key for e in events or []]


@check
def event_collector_pages():
    vm = vm_named("pv-snapped")
    em = S.content.eventManager
    spec = vim.event.EventFilterSpec(entity=vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self"))
    every = event_keys(em.QueryEvents(spec))
    oldest_first = sorted(every)
    expect(len(oldest_first) >= 6, "only %d events for the snapshotted VM" % len(oldest_first))
    collector = em.CreateCollectorForEvents(spec)
    try:
        latest = event_keys(collector.latestPage)
        expect(latest, "latestPage empty")
        expect_equal(latest, sorted(latest, reverse=True), "latestPage order (newest first)")
        expect_equal(latest[0], oldest_first[-1], "latestPage's newest event")
        collector.RewindCollector()
        expect_equal(event_keys(collector.ReadNextEvents(2)), oldest_first[:2], "ReadNextEvents(2) after rewind")
        expect_equal(event_keys(collector.ReadNextEvents(2)), oldest_first[2:4], "the next ReadNextEvents(2)")
        collector.SetCollectorPageSize(2)
        expect_equal(event_keys(collector.latestPage), oldest_first[-1:-3:-1], "latestPage of size 2")
        collector.ResetCollector()
        expect_equal(event_keys(collector.ReadPreviousEvents(2)), oldest_first[-3:-5:-1],
                     "ReadPreviousEvents(2) after reset")
        expect(all(e.vm.vm._moId == vm._moId for e in collector.latestPage), "an event of another VM")
        pc = S.content.propertyCollector.CreatePropertyCollector()
        try:
            pc.CreateFilter(vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=collector)],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.event.EventHistoryCollector,
                                                                    pathSet=["latestPage"])]), False)
            first = pc.WaitForUpdatesEx("", wait_options(0))
            run_task(vm.PowerOnVM_Task())
            update = pc.WaitForUpdatesEx(first.version, wait_options(5))
            got = [(kind, name, [type(e).__name__.rsplit(".", 1)[-1] for e in val or []])
                   for _, _, kind, name, val in changes(update)]
            expect(got and got[0][:2] == ("modify", "latestPage") and got[0][2][:1] == ["VmPoweredOnEvent"],
                   "update on latestPage after a power-on: %r" % got)
        finally:
            pc.DestroyPropertyCollector()
        newest = [type(e).__name__.rsplit(".", 1)[-1] for e in collector.latestPage]
        expect_equal(newest[:1], ["VmPoweredOnEvent"], "latestPage after a power-on")
        raises(vmodl.fault.InvalidArgument, collector.ReadNextEvents, 0)
    finally:
        collector.DestroyCollector()
    raises(vmodl.fault.ManagedObjectNotFound, lambda: collector.latestPage)


@check
def task_collector_latest_page():
    vm = vm_named("pv-snapped")
    tm = S.content.taskManager
    spec = vim.TaskFilterSpec(entity=vim.TaskFilterSpec.ByEntity(entity=vm, recursion="self"))
    collector = tm.CreateCollectorForTasks(spec)
    try:
        task = vm.PowerOffVM_Task()
        run_task(task)
        page = poll(lambda: [i.key for i in collector.latestPage][:1], [task._moId])
        expect_equal(page, [task._moId], "latestPage's newest task")
        infos = collector.latestPage
        expect(all(i.entity._moId == vm._moId for i in infos), "a task of another entity in latestPage")
        expect_equal(infos[0].descriptionId, "VirtualMachine.powerOff", "newest TaskInfo.descriptionId")
        ids = [i.descriptionId for i in infos]
        expect("VirtualMachine.createSnapshot" in ids, "no snapshot task in latestPage: %r" % ids)
        collector.RewindCollector()
        first = collector.ReadNextTasks(1)
        expect_equal(len(first), 1, "ReadNextTasks(1)")
        expect_equal(first[0].descriptionId, "VirtualMachine.createSnapshot", "the VM's oldest task")
    finally:
        collector.DestroyCollector()


@check
def cancel_finished_task_invalid_state():
    task = vm_named("pv-snapped").PowerOnVM_Task()
    run_task(task)
    raises(vim.fault.InvalidState, task.CancelTask)
    expect_equal((task.info.state, task.info.cancelled), ("success", False), "the task after a refused cancel")


@check
def first_class_disk_create_attach_extend_rename_detach_delete():
    manager = S.content.vStorageObjectManager
    ds = find("/DC0/datastore/LocalDS_0")
    spec = vim.vslm.CreateSpec(
        name="pyvmomi-disk", capacityInMB=256, keepAfterDeleteVm=True,
        backingSpec=vim.vslm.CreateSpec.DiskFileBackingSpec(datastore=ds, provisioningType="thin"))
    disk = run_task(manager.CreateDisk_Task(spec))
    expect(isinstance(disk, vim.vslm.VStorageObject), "CreateDisk_Task result %r" % type(disk).__name__)
    disk_id = disk.config.id
    expect_equal((disk.config.name, disk.config.capacityInMB), ("pyvmomi-disk", 256), "name and capacity")
    expect(disk.config.backing.filePath.startswith("[LocalDS_0] fcd/"), "filePath %r" % disk.config.backing.filePath)
    expect_equal([i.id for i in manager.ListVStorageObject(ds)], [disk_id.id], "ListVStorageObject")
    vm = vm_named("DC0_H0_VM1")
    run_task(vm.AttachDisk_Task(diskId=disk_id, datastore=ds))
    attached = [d for d in retrieve(vm, ["config.hardware.device"])["config.hardware.device"]
                if isinstance(d, vim.vm.device.VirtualDisk) and d.vDiskId and d.vDiskId.id == disk_id.id]
    expect_equal(len(attached), 1, "VirtualDisks with the disk's vDiskId")
    expect_equal(attached[0].capacityInKB, 256 * 1024, "attached disk's capacityInKB")
    expect_equal(len(manager.RetrieveVStorageObject(disk_id, ds).config.consumerId), 1, "consumerId")
    task_error_strict(vim.fault.InvalidState, manager.DeleteVStorageObject_Task, disk_id, ds)
    run_task(manager.ExtendDisk_Task(disk_id, ds, 512))
    expect_equal(manager.RetrieveVStorageObject(disk_id, ds).config.capacityInMB, 512, "capacity after ExtendDisk")
    grown = [d for d in retrieve(vm, ["config.hardware.device"])["config.hardware.device"]
             if isinstance(d, vim.vm.device.VirtualDisk) and d.vDiskId and d.vDiskId.id == disk_id.id]
    expect_equal(grown[0].capacityInKB, 512 * 1024, "attached disk's capacityInKB after ExtendDisk")
    manager.RenameVStorageObject(disk_id, ds, "pyvmomi-renamed")
    expect_equal(manager.RetrieveVStorageObject(disk_id, ds).config.name, "pyvmomi-renamed", "name after rename")
    run_task(vm.DetachDisk_Task(diskId=disk_id))
    run_task(manager.DeleteVStorageObject_Task(disk_id, ds))
    raises(vim.fault.NotFound, manager.RetrieveVStorageObject, disk_id, ds)


@check
def register_disk_and_control_flags():
    manager = S.content.vStorageObjectManager
    ds = find("/DC0/datastore/LocalDS_0")
    dc = find("/DC0")
    spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="thin", adapterType="lsiLogic", capacityKb=2048)
    run_task(S.content.virtualDiskManager.CreateVirtualDisk_Task("[LocalDS_0] pyvmomi-import.vmdk", dc, spec))
    url = "https://127.0.0.1/folder/pyvmomi-import.vmdk?dcPath=DC0&dsName=LocalDS_0"
    disk = manager.RegisterDisk(url, "pyvmomi-imported")
    expect(isinstance(disk, vim.vslm.VStorageObject), "RegisterDisk result %r" % type(disk).__name__)
    expect_equal((disk.config.name, disk.config.capacityInMB, disk.config.backing.filePath),
                 ("pyvmomi-imported", 2, "[LocalDS_0] pyvmomi-import.vmdk"), "the registered disk")
    raises(vim.fault.AlreadyExists, manager.RegisterDisk, url)
    raises(vim.fault.InvalidDatastore, manager.RegisterDisk, url.replace("LocalDS_0", "NoSuchDS"))
    raises(vim.fault.FileNotFound, manager.RegisterDisk, url.replace("pyvmomi-import", "nothing-here"))
    # The control flags are vim25/6.7's: over HTTP pyvmomi speaks 6.5 and has no such methods.
    if HTTPS:
        manager.ClearVStorageObjectControlFlags(disk.config.id, ds, ["keepAfterDeleteVm"])
        manager.SetVStorageObjectControlFlags(disk.config.id, ds, ["disableRelocation"])
        config = manager.RetrieveVStorageObject(disk.config.id, ds).config
        expect_equal((config.keepAfterDeleteVm, config.relocationDisabled), (False, True), "the flags")
        raises(vmodl.fault.InvalidArgument, manager.SetVStorageObjectControlFlags, disk.config.id, ds, ["noSuchFlag"])
    run_task(manager.DeleteVStorageObject_Task(disk.config.id, ds))


@check
def copied_disk_as_linked_clone_parent_then_promoted():
    disks = S.content.virtualDiskManager
    dc = find("/DC0")
    base, cache = "[LocalDS_0] pyvmomi-base.vmdk", "[LocalDS_0] pyvmomi-cache.vmdk"
    made = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="preallocated", adapterType="busLogic",
                                                            capacityKb=2048)
    run_task(disks.CreateVirtualDisk_Task(base, dc, made))
    # A copy made as its destination spec says: thin, as vm-operator's image cache copies.
    thin = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="thin", adapterType="lsiLogic", capacityKb=0)
    run_task(disks.CopyVirtualDisk_Task(base, dc, cache, dc, thin))
    query = vim.host.DatastoreBrowser.VmDiskQuery(
        details=vim.host.DatastoreBrowser.VmDiskQuery.Details(capacityKb=True, thin=True))
    search = vim.host.DatastoreBrowser.SearchSpec(query=[query], matchPattern=["pyvmomi-cache.vmdk"])
    found = run_task(S.dc.datastore[0].browser.SearchDatastore_Task(datastorePath="[LocalDS_0]", searchSpec=search))
    expect_equal([(f.capacityKb, f.thin) for f in found.file], [(2048, True)], "the copy as the browser lists it")
    # A VM whose disk is a child of the copy (a linked clone's), as vm-operator's fast deploy makes it.
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
        fileName="[LocalDS_0] pyvmomi-linked/disk-0.vmdk", diskMode="persistent", thinProvisioned=True,
        parent=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName=cache, diskMode="persistent"))
    disk = vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
        fileOperation=vim.vm.device.VirtualDeviceSpec.FileOperation.create,
        device=vim.vm.device.VirtualDisk(key=-101, controllerKey=-100, unitNumber=0, backing=backing))
    spec = created_vm_spec("pv-linked", files=vim.vm.FileInfo(vmPathName="[LocalDS_0] pyvmomi-linked/pv-linked.vmx"))
    spec.deviceChange = list(spec.deviceChange) + [disk]
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    vm = run_task(S.dc.vmFolder.CreateVM_Task(spec, pool, host))
    child = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)][0]
    expect_equal((child.capacityInKB, child.backing.parent.fileName), (2048, cache), "the child disk")
    chain = vm.layoutEx.disk[0].chain
    expect_equal([vm.layoutEx.file[u.fileKey[0]].name for u in chain],
                 [cache, "[LocalDS_0] pyvmomi-linked/disk-0.vmdk"], "layoutEx's chain")
    task_error_strict(vim.fault.FileLocked, disks.DeleteVirtualDisk_Task, name=cache, datacenter=dc)
    task = vm.PromoteDisks_Task(unlink=True, disks=[child])
    run_task(task)
    expect_equal(task.info.descriptionId, "VirtualMachine.promoteDisks", "PromoteDisks_Task's descriptionId")
    child = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)][0]
    expect(child.backing.parent is None, "a promoted disk still has a parent %r" % child.backing.parent)
    run_task(disks.DeleteVirtualDisk_Task(name=cache, datacenter=dc))
    run_task(vm.Destroy_Task())
    run_task(disks.DeleteVirtualDisk_Task(name=base, datacenter=dc))


@check
def disks_beyond_free_space_no_disk_space():
    ds = find("/DC0/datastore/LocalDS_0")
    free_mb = ds.summary.freeSpace // (1024 * 1024)
    backing = vim.vslm.CreateSpec.DiskFileBackingSpec(datastore=ds, provisioningType="eagerZeroedThick")
    spec = vim.vslm.CreateSpec(name="pyvmomi-too-big", capacityInMB=free_mb + 1, backingSpec=backing)
    fault = task_error_strict(vim.fault.NoDiskSpace, S.content.vStorageObjectManager.CreateDisk_Task, spec)
    expect_equal(fault.datastore, "LocalDS_0", "NoDiskSpace.datastore")
    expect_equal(ds.summary.freeSpace // (1024 * 1024), free_mb, "free space after the refusal")
    vdm_spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(
        diskType="preallocated", adapterType="lsiLogic", capacityKb=(free_mb + 1) * 1024)
    dc = find("/DC0")
    task_error_strict(vim.fault.NoDiskSpace, S.content.virtualDiskManager.CreateVirtualDisk_Task,
                      "[LocalDS_0] pyvmomi-too-big.vmdk", dc, vdm_spec)



@check
def datastore_browser_search_and_subfolders():
    ds = find("/DC0/datastore/LocalDS_0")
    browser = ds.browser
    expect(isinstance(browser, vim.host.DatastoreBrowser), "Datastore.browser %r" % browser)
    expect_equal([d._moId for d in browser.datastore], [ds._moId], "the browser's datastore")
    host = find("/DC0/host/DC0_H0/DC0_H0")
    expect(ds._moId in [d._moId for d in host.datastoreBrowser.datastore], "the host's browser reaches LocalDS_0")
    vmx = vm_named("DC0_H0_VM0").config.files.vmPathName
    folder = vmx[len("[LocalDS_0] "):].rsplit("/", 1)[0]
    spec = vim.host.DatastoreBrowser.SearchSpec(
        matchPattern=["*.vmx"], details=vim.host.DatastoreBrowser.FileInfo.Details(fileType=True, fileSize=True))
    found = run_task(browser.SearchDatastore_Task(datastorePath="[LocalDS_0] " + folder, searchSpec=spec))
    expect(isinstance(found, vim.host.DatastoreBrowser.SearchResults), "result %r" % type(found).__name__)
    expect_equal([found.folderPath + f.path for f in found.file], [vmx], "the .vmx found")
    expect(isinstance(found.file[0], vim.host.DatastoreBrowser.VmConfigInfo) and found.file[0].fileSize > 0,
           "the .vmx as %s" % type(found.file[0]).__name__)
    disks = vim.host.DatastoreBrowser.SearchSpec(query=[vim.host.DatastoreBrowser.VmDiskQuery(
        details=vim.host.DatastoreBrowser.VmDiskQuery.Details(capacityKb=True))])
    every = run_task(browser.SearchDatastoreSubFolders_Task(datastorePath="[LocalDS_0]", searchSpec=disks))
    files = [f for r in every for f in r.file]
    expect(files and all(isinstance(f, vim.host.DatastoreBrowser.VmDiskInfo) and f.capacityKb > 0 for f in files),
           "disks found below the top: %r" % [(type(f).__name__, f.path) for f in files])
    task_error_strict(vim.fault.FileNotFound, browser.SearchDatastore_Task, datastorePath="[LocalDS_0] nowhere")
    task_error_strict(vim.fault.InvalidDatastore, browser.SearchDatastore_Task, datastorePath="[elsewhere]")


@check
def file_manager_make_directory_and_delete():
    files = S.content.fileManager
    expect(isinstance(files, vim.FileManager), "ServiceContent.fileManager %r" % files)
    browser = S.dc.datastore[0].browser

    def listed():
        return [f.path for f in run_task(browser.SearchDatastore_Task(datastorePath="[LocalDS_0]")).file]

    files.MakeDirectory(name="[LocalDS_0] pyvmomi/made", datacenter=S.dc, createParentDirectories=True)
    expect("pyvmomi" in listed(), "pyvmomi not listed at the top: %r" % listed())
    raises(vim.fault.FileAlreadyExists, files.MakeDirectory, name="[LocalDS_0] pyvmomi/made", datacenter=S.dc)
    raises(vim.fault.FileNotFound, files.MakeDirectory, name="[LocalDS_0] none/made", datacenter=S.dc)
    raises(vmodl.fault.InvalidArgument, files.MakeDirectory, name="[LocalDS_0] pyvmomi/other")
    run_task(files.DeleteDatastoreFile_Task(name="[LocalDS_0] pyvmomi", datacenter=S.dc))
    expect("pyvmomi" not in listed(), "pyvmomi still listed: %r" % listed())
    task_error_strict(vim.fault.FileNotFound, files.DeleteDatastoreFile_Task, name="[LocalDS_0] pyvmomi", datacenter=S.dc)
    task_error_strict(vim.fault.CannotDeleteFile, files.DeleteDatastoreFile_Task, name="[LocalDS_0] DC0_H0_VM0",
                      datacenter=S.dc)


@check
def virtual_disk_manager_create_query_and_delete():
    disks = S.content.virtualDiskManager
    expect(isinstance(disks, vim.VirtualDiskManager), "ServiceContent.virtualDiskManager %r" % disks)
    name = "[LocalDS_0] pyvmomi-disk.vmdk"
    spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="thin", adapterType="lsiLogic", capacityKb=1024)
    expect_equal(run_task(disks.CreateVirtualDisk_Task(name=name, datacenter=S.dc, spec=spec)), name,
                 "CreateVirtualDisk_Task's result")
    query = vim.host.DatastoreBrowser.VmDiskQuery(
        details=vim.host.DatastoreBrowser.VmDiskQuery.Details(capacityKb=True, thin=True))
    search = vim.host.DatastoreBrowser.SearchSpec(query=[query], matchPattern=["pyvmomi-disk.vmdk"])
    found = run_task(S.dc.datastore[0].browser.SearchDatastore_Task(datastorePath="[LocalDS_0]", searchSpec=search))
    expect_equal([(f.path, f.capacityKb, f.thin) for f in found.file], [("pyvmomi-disk.vmdk", 1024, True)],
                 "the disk as the browser lists it")
    uuid = disks.QueryVirtualDiskUuid(name=name, datacenter=S.dc)
    expect(len(uuid) == 47 and uuid[23] == "-", "QueryVirtualDiskUuid %r, want a descriptor's ddb.uuid" % uuid)
    task_error_strict(vim.fault.FileAlreadyExists, disks.CreateVirtualDisk_Task, name=name, datacenter=S.dc, spec=spec)
    run_task(disks.DeleteVirtualDisk_Task(name=name, datacenter=S.dc))
    raises(vim.fault.FileNotFound, disks.QueryVirtualDiskUuid, name=name, datacenter=S.dc)
    task_error_strict(vim.fault.FileLocked, disks.DeleteVirtualDisk_Task,
                      name="[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmdk", datacenter=S.dc)



@check
def virtual_disk_manager_geometry_fragmentation_defragment_and_shrink():
    disks = S.content.virtualDiskManager
    thin, thick = "[LocalDS_0] pyvmomi-thin.vmdk", "[LocalDS_0] pyvmomi-thick.vmdk"
    for name, disk_type in ((thin, "thin"), (thick, "preallocated")):
        spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType=disk_type, adapterType="lsiLogic",
                                                                capacityKb=10 * 1024 * 1024)
        run_task(disks.CreateVirtualDisk_Task(name=name, datacenter=S.dc, spec=spec))
    chs = disks.QueryVirtualDiskGeometry(name=thin, datacenter=S.dc)
    expect(isinstance(chs, vim.host.DiskDimensions.Chs), "QueryVirtualDiskGeometry %r" % chs)
    expect_equal((chs.cylinder, chs.head, chs.sector), (1305, 255, 63), "a 10 GiB SCSI disk's geometry")
    expect_equal(disks.QueryVirtualDiskFragmentation(name=thin, datacenter=S.dc), 0, "the fragmentation")
    vm_disk = "[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmdk"
    expect(disks.QueryVirtualDiskGeometry(name=vm_disk, datacenter=S.dc).head == 255, "a VM's disk's geometry")
    raises(vim.fault.FileNotFound, disks.QueryVirtualDiskGeometry, name="[LocalDS_0] none.vmdk", datacenter=S.dc)
    raises(vim.fault.InvalidDatastore, disks.QueryVirtualDiskFragmentation, name="[nowhere] a.vmdk",
           datacenter=S.dc)
    run_task(disks.DefragmentVirtualDisk_Task(name=thick, datacenter=S.dc))
    run_task(disks.ShrinkVirtualDisk_Task(name=thin, datacenter=S.dc, copy=False))
    task_error_strict(vmodl.fault.NotSupported, disks.ShrinkVirtualDisk_Task, name=thick, datacenter=S.dc)
    task_error_strict(vim.fault.FileLocked, disks.DefragmentVirtualDisk_Task, name=vm_disk, datacenter=S.dc)
    task_error_strict(vim.fault.FileNotFound, disks.ShrinkVirtualDisk_Task, name="[LocalDS_0] none.vmdk",
                      datacenter=S.dc)
    for name in (thin, thick):
        run_task(disks.DeleteVirtualDisk_Task(name=name, datacenter=S.dc))


def vm_with_new_disk(name, capacity_kb):
    """A new VM on DC0_H0 with a disk of its own: its host's pool and the VM."""
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    disk = vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
        fileOperation=vim.vm.device.VirtualDeviceSpec.FileOperation.create,
        device=vim.vm.device.VirtualDisk(key=-1, controllerKey=-100, capacityInKB=capacity_kb,
                                         backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(diskMode="persistent")))
    spec = created_vm_spec(name)
    spec.deviceChange = list(spec.deviceChange) + [disk]
    return pool, run_task(S.dc.vmFolder.CreateVM_Task(spec, pool, host))


@check
def unregister_browse_and_register_back():
    pool, vm = vm_with_new_disk("pv-registered", 2048)
    vmx, uuid, instance = vm.config.files.vmPathName, vm.config.uuid, vm.config.instanceUuid
    disk_uuids = [d.backing.uuid for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    vm.UnregisterVM()
    expect(find("/DC0/vm/pv-registered") is None, "the VM is still in the inventory")
    folder = vmx.rsplit("/", 1)[0]
    found = run_task(S.dc.datastore[0].browser.SearchDatastore_Task(datastorePath=folder))
    expect_equal(sorted(f.path for f in found.file),
                 ["pv-registered-flat.vmdk", "pv-registered.vmdk", "pv-registered.vmx"], "the files left")
    task_error_strict(vmodl.fault.InvalidArgument, S.dc.vmFolder.RegisterVM_Task, path=vmx, asTemplate=False)
    task_error_strict(vmodl.fault.InvalidArgument, S.dc.vmFolder.RegisterVM_Task, path=vmx, asTemplate=True)
    task_error_strict(vim.fault.NotFound, S.dc.vmFolder.RegisterVM_Task, path="[LocalDS_0] none/none.vmx",
                      asTemplate=False, pool=pool)
    back = run_task(S.dc.vmFolder.RegisterVM_Task(path=vmx, asTemplate=False, pool=pool))
    expect(back._moId != vm._moId, "the registered VM kept the old id %s" % back._moId)
    expect_equal((back.name, back.config.uuid, back.config.instanceUuid, back.resourcePool._moId),
                 ("pv-registered", uuid, instance, pool._moId), "name, UUIDs and pool")
    expect_equal([d.backing.uuid for d in back.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)],
                 disk_uuids, "the disks' UUIDs")
    task_error_strict(vim.fault.AlreadyExists, S.dc.vmFolder.RegisterVM_Task, path=vmx, asTemplate=False, pool=pool)
    run_task(back.PowerOnVM_Task())
    expect_equal(back.runtime.powerState, "poweredOn", "powerState")
    run_task(back.PowerOffVM_Task())
    run_task(back.Destroy_Task())


@check
def vm_folder_copied_and_registered():
    pool, vm = vm_with_new_disk("pv-copied", 4096)
    folder = vm.config.files.vmPathName.rsplit("/", 1)[0]
    ds = folder[1:folder.index("]")]
    copy = "[%s] pv-copy" % ds
    run_task(S.content.fileManager.CopyDatastoreFile_Task(sourceName=folder, sourceDatacenter=S.dc,
                                                          destinationName=copy, destinationDatacenter=S.dc))
    vdm = S.content.virtualDiskManager
    expect_equal(vdm.QueryVirtualDiskUuid(copy + "/pv-copied.vmdk", S.dc),
                 vdm.QueryVirtualDiskUuid(folder + "/pv-copied.vmdk", S.dc), "the copied disk's UUID")
    clone = run_task(S.dc.vmFolder.RegisterVM_Task(path=copy + "/pv-copied.vmx", name="pv-copy",
                                                   asTemplate=False, pool=pool))
    disks = [d for d in clone.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    expect_equal([(d.backing.fileName, d.capacityInKB) for d in disks], [(copy + "/pv-copied.vmdk", 4096)],
                 "the registered copy's disk")
    expect_equal(clone.config.uuid, vm.config.uuid, "the copy's BIOS UUID, from its .vmx")
    for v in (clone, vm):
        run_task(v.Destroy_Task())


@check
def vm_reloaded_from_another_configuration_file():
    pool, source = vm_with_new_disk("pv-reload-source", 2048)
    _, vm = vm_with_new_disk("pv-reloaded", 1024)
    folder = source.config.files.vmPathName.rsplit("/", 1)[0]
    copy = folder[:folder.index("]") + 1] + " pv-reload-copy"
    run_task(S.content.fileManager.CopyDatastoreFile_Task(sourceName=folder, sourceDatacenter=S.dc,
                                                          destinationName=copy, destinationDatacenter=S.dc))
    vmx = copy + "/pv-reload-source.vmx"
    task_error_strict(vim.fault.FileNotFound, vm.ReloadFromPath, configurationPath=copy + "/none.vmx")
    task_error_strict(vim.fault.AlreadyExists, vm.ReloadFromPath, configurationPath=source.config.files.vmPathName)
    run_task(vm.ReloadFromPath(configurationPath=vmx))
    expect_equal((vm.name, vm.config.files.vmPathName, vm.config.uuid), ("pv-reloaded", vmx, source.config.uuid),
                 "the reloaded VM's name, configuration file and BIOS UUID")
    disks = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    expect_equal([(d.backing.fileName, d.capacityInKB) for d in disks], [(copy + "/pv-reload-source.vmdk", 2048)],
                 "the reloaded VM's disk")
    run_task(vm.PowerOnVM_Task())
    task_error_strict(vim.fault.InvalidPowerState, vm.ReloadFromPath, configurationPath=vmx)
    run_task(vm.PowerOffVM_Task())
    for v in (vm, source):
        run_task(v.Destroy_Task())


@check
def vm_folder_unregistered_and_destroyed():
    pool, vm = vm_with_new_disk("pv-unregistered", 1024)
    vmx = vm.config.files.vmPathName
    folder = S.dc.vmFolder.CreateFolder("pv-unregister")
    sub = folder.CreateFolder("sub")
    run_task(sub.MoveIntoFolder_Task([vm]))
    run_task(vm.PowerOnVM_Task())
    task_error_strict(vim.fault.InvalidState, folder.UnregisterAndDestroy_Task)
    run_task(vm.PowerOffVM_Task())
    run_task(folder.UnregisterAndDestroy_Task())
    expect(find("/DC0/vm/pv-unregister") is None, "the folder is still in the inventory")
    hosts = S.dc.hostFolder.CreateFolder("pv-hosts")
    task_error_strict(vmodl.fault.NotSupported, hosts.UnregisterAndDestroy_Task)
    run_task(hosts.Destroy_Task())
    back = run_task(S.dc.vmFolder.RegisterVM_Task(path=vmx, asTemplate=False, pool=pool))
    expect_equal(back.name, "pv-unregistered", "the VM registered back from the files it left")
    run_task(back.Destroy_Task())


@check
def host_config_manager_nfs_datastore_and_portgroup():
    host = find("/DC0/host/DC0_C0/DC0_C0_H2")
    expect(host is not None, "no host DC0_C0_H2")
    cm = host.configManager
    expect(isinstance(cm.datastoreSystem, vim.host.DatastoreSystem), "configManager.datastoreSystem %r" % cm.datastoreSystem)
    spec = vim.host.NasVolume.Specification(remoteHost="nfs.example.com", remotePath="/exports/pyvmomi",
                                            localPath="nfs-pyvmomi", accessMode="readWrite", type="NFS")
    ds = cm.datastoreSystem.CreateNasDatastore(spec=spec)
    expect_equal((ds.summary.type, ds.info.nas.remoteHost), ("NFS", "nfs.example.com"), "the NFS datastore")
    expect(ds in cm.datastoreSystem.datastore, "HostDatastoreSystem.datastore lacks the new datastore")
    raises(vim.fault.AlreadyExists, cm.datastoreSystem.CreateNasDatastore, spec=spec)
    cm.datastoreSystem.RemoveDatastore(datastore=ds)
    expect(find("/DC0/datastore/nfs-pyvmomi") is None, "the datastore outlived its only host")
    ns = cm.networkSystem
    ns.AddPortGroup(portgrp=vim.host.PortGroup.Specification(name="pg-pyvmomi", vlanId=3, vswitchName="vSwitch0",
                                                             policy=vim.host.NetworkPolicy()))
    expect_equal([(pg.spec.name, pg.spec.vlanId) for pg in ns.networkInfo.portgroup if pg.spec.name == "pg-pyvmomi"],
                 [("pg-pyvmomi", 3)], "the portgroup in networkInfo")
    expect(find("/DC0/network/pg-pyvmomi") is not None, "no Network for the new portgroup")
    raises(vim.fault.NotFound, ns.RemoveVirtualSwitch, vswitchName="vSwitch9")
    ns.RemovePortGroup(pgName="pg-pyvmomi")
    expect(find("/DC0/network/pg-pyvmomi") is None, "the Network outlived its only portgroup")


@check
def host_clock_and_firewall_setters():
    cm = find("/DC0/host/DC0_C0/DC0_C0_H1").configManager
    clock, firewall = cm.dateTimeSystem, cm.firewallSystem
    want = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    clock.UpdateDateTime(dateTime=want)
    # The host clock goes on from the time set, as the server's own clock runs.
    drift = (clock.QueryDateTime() - want).total_seconds()
    expect(0 <= drift < 60, "QueryDateTime is %ss from the time set" % drift)
    clock.UpdateDateTimeConfig(config=vim.host.DateTimeConfig(ntpConfig=vim.host.NtpConfig(server=["0.pool.ntp.org"])))
    info = clock.dateTimeInfo
    expect_equal((info.timeZone.key, list(info.ntpConfig.server)), ("UTC", ["0.pool.ntp.org"]), "dateTimeInfo")
    raises(vim.fault.HostConfigFault, clock.UpdateDateTimeConfig, config=vim.host.DateTimeConfig(timeZone="Europe/Paris"))

    def ntp_client():
        return [r.enabled for r in firewall.firewallInfo.ruleset if r.key == "ntpClient"]
    firewall.EnableRuleset(id="ntpClient")
    expect_equal(ntp_client(), [True], "ntpClient enabled in firewallInfo")
    firewall.DisableRuleset(id="ntpClient")
    expect_equal(ntp_client(), [False], "ntpClient disabled in firewallInfo")
    raises(vim.fault.NotFound, firewall.EnableRuleset, id="nope")


@check
def environment_browser_options_and_target():
    browser = vm_named("DC0_H0_VM0").environmentBrowser
    expect(isinstance(browser, vim.EnvironmentBrowser), "VirtualMachine.environmentBrowser %r" % browser)
    descriptors = browser.QueryConfigOptionDescriptor()
    keys = [d.key for d in descriptors]
    expect("vmx-13" in keys and "vmx-21" in keys, "hardware versions %r" % keys)
    expect_equal([d.key for d in descriptors if d.defaultConfigOption], ["vmx-21"], "the default config option")
    option = browser.QueryConfigOption(key="vmx-19")
    expect_equal((option.version, option.hardwareOptions.hwVersion), ("vmx-19", 19), "QueryConfigOption(vmx-19)")
    spec = vim.EnvironmentBrowser.ConfigOptionQuerySpec(guestId=["ubuntu64Guest"])
    narrowed = browser.QueryConfigOptionEx(spec=spec)
    expect_equal([g.id for g in narrowed.guestOSDescriptor], ["ubuntu64Guest"], "guests narrowed by QueryConfigOptionEx")
    target = browser.QueryConfigTarget()
    expect("LocalDS_0" in [d.name for d in target.datastore], "datastores of QueryConfigTarget")
    expect(target.numCpus > 0, "numCpus of QueryConfigTarget")
    raises(vmodl.fault.InvalidArgument, browser.QueryConfigOption, key="vmx-99")


@check
def cluster_groups_and_rules():
    cluster = find("/DC0/host/DC0_C0")
    vm0, vm1 = vm_named("DC0_C0_RP0_VM0"), vm_named("DC0_C0_RP0_VM1")
    host0 = find("/DC0/host/DC0_C0/DC0_C0_H0")
    spec = vim.cluster.ConfigSpecEx(
        groupSpec=[
            vim.cluster.GroupSpec(operation="add", info=vim.cluster.VmGroup(name="py-vms", vm=[vm0])),
            vim.cluster.GroupSpec(operation="add", info=vim.cluster.HostGroup(name="py-hosts", host=[host0])),
        ],
        rulesSpec=[
            vim.cluster.RuleSpec(operation="add", info=vim.cluster.VmHostRuleInfo(
                name="py-pin", enabled=True, mandatory=False, vmGroupName="py-vms", affineHostGroupName="py-hosts")),
            vim.cluster.RuleSpec(operation="add", info=vim.cluster.AntiAffinityRuleSpec(
                name="py-apart", enabled=True, vm=[vm0, vm1])),
        ],
    )
    run_task(cluster.ReconfigureComputeResource_Task(spec=spec, modify=True))
    config = cluster.configurationEx
    groups = {g.name: g for g in config.group}
    expect(isinstance(groups.get("py-vms"), vim.cluster.VmGroup), "the VM group in configurationEx.group")
    expect_equal([h._moId for h in groups["py-hosts"].host], [host0._moId], "the host group's hosts")
    rules = {r.name: r for r in config.rule}
    expect(isinstance(rules.get("py-pin"), vim.cluster.VmHostRuleInfo), "the VM-host rule in configurationEx.rule")
    expect(isinstance(rules.get("py-apart"), vim.cluster.AntiAffinityRuleSpec), "the anti-affinity rule")
    expect(rules["py-pin"].key != rules["py-apart"].key, "rule keys")
    expect_equal([r.name for r in cluster.FindRulesForVm(vm=vm1)], ["py-apart"], "FindRulesForVm")
    # A VM joins a group as Cluster API Provider vSphere adds one: the group read, edited whole.
    group = groups["py-vms"]
    group.vm = list(group.vm) + [vm1]
    run_task(cluster.ReconfigureComputeResource_Task(
        spec=vim.cluster.ConfigSpecEx(groupSpec=[vim.cluster.GroupSpec(operation="edit", info=group)]), modify=True))
    edited = [g for g in cluster.configurationEx.group if g.name == "py-vms"][0]
    expect_equal(sorted(v._moId for v in edited.vm), sorted([vm0._moId, vm1._moId]), "the edited group's VMs")
    # One VM is no anti-affinity rule: the task fails, nothing changes.
    lonely = vim.cluster.ConfigSpecEx(rulesSpec=[vim.cluster.RuleSpec(
        operation="add", info=vim.cluster.AntiAffinityRuleSpec(name="py-lonely", enabled=True, vm=[vm0]))])
    task_error_strict(vmodl.fault.InvalidArgument, cluster.ReconfigureComputeResource_Task, spec=lonely, modify=True)
    expect_equal(len(cluster.configurationEx.rule), 2, "rules after a refused spec")
    run_task(cluster.ReconfigureComputeResource_Task(spec=vim.cluster.ConfigSpecEx(
        rulesSpec=[vim.cluster.RuleSpec(operation="remove", removeKey=r.key) for r in rules.values()],
        groupSpec=[vim.cluster.GroupSpec(operation="remove", removeKey=name) for name in groups],
    ), modify=True))
    config = cluster.configurationEx
    expect_equal((list(config.group), list(config.rule)), ([], []), "groups and rules after their removal")


@check
def drs_places_a_vm_by_a_mandatory_rule():
    cluster = find("/DC0/host/DC0_C0")
    vm = run_task(S.dc.vmFolder.CreateVM_Task(created_vm_spec("pv-drs-pinned"), cluster.resourcePool))
    created_on = vm.runtime.host
    expect(created_on in cluster.host, "a new VM without a host on one of the cluster's hosts")
    target, other = [h for h in cluster.host if h != created_on][:2]
    # A new VM is in no group yet: it joins one, and DRS places it at power-on.
    run_task(cluster.ReconfigureComputeResource_Task(spec=vim.cluster.ConfigSpecEx(
        drsConfig=vim.cluster.DrsConfigInfo(enabled=True, defaultVmBehavior="fullyAutomated"),
        groupSpec=[
            vim.cluster.GroupSpec(operation="add", info=vim.cluster.VmGroup(name="py-pinned", vm=[vm])),
            vim.cluster.GroupSpec(operation="add", info=vim.cluster.HostGroup(name="py-target", host=[target])),
        ],
        rulesSpec=[vim.cluster.RuleSpec(operation="add", info=vim.cluster.VmHostRuleInfo(
            name="py-must", enabled=True, mandatory=True, vmGroupName="py-pinned", affineHostGroupName="py-target"))],
    ), modify=True))
    run_task(vm.PowerOnVM_Task())
    expect_equal(vm.runtime.host, target, "the host of the must-run-on group after power-on")
    # Power-on on a host the rule forbids, named, fails as vCenter fails it.
    run_task(vm.PowerOffVM_Task())
    fault = task_error_strict(vim.fault.VmHostAffinityRuleViolation, vm.PowerOnVM_Task, host=other)
    expect_equal((fault.vmName, fault.hostName), ("pv-drs-pinned", other.name), "the fault's VM and host")
    # So does a migration onto it, leaving the VM where it is.
    fault = task_error_strict(vim.fault.VmHostAffinityRuleViolation, vm.MigrateVM_Task,
                              host=other, priority="defaultPriority")
    expect_equal((fault.vmName, fault.hostName), ("pv-drs-pinned", other.name), "the migration's fault")
    expect_equal(vm.runtime.host, target, "the host after a refused migration")
    run_task(vm.Destroy_Task())
    run_task(cluster.ReconfigureComputeResource_Task(spec=vim.cluster.ConfigSpecEx(
        rulesSpec=[vim.cluster.RuleSpec(operation="remove", removeKey=r.key) for r in cluster.configurationEx.rule],
        groupSpec=[vim.cluster.GroupSpec(operation="remove", removeKey=name) for name in ("py-pinned", "py-target")],
    ), modify=True))

@check
def key_provider_keys_and_an_encrypted_vm():
    crypto = S.content.cryptoManager
    expect(crypto.enabled, "CryptoManager.enabled")
    server = vim.encryption.KmipServerSpec(
        clusterId=vim.encryption.KeyProviderId(id="py-kms"),
        info=vim.encryption.KmipServerInfo(name="py-kms-1", address="kms.example.com", port=5696))
    crypto.RegisterKmipServer(server)
    clusters = {c.clusterId.id: c for c in crypto.ListKmipServers()}
    expect_equal([s.name for s in clusters["py-kms"].servers], ["py-kms-1"], "the provider's servers")
    key = crypto.GenerateKey(vim.encryption.KeyProviderId(id="py-kms"))
    expect(key.success and key.keyId.keyId, "GenerateKey's result %r" % key)
    expect(key.keyId.keyId in [k.keyId for k in crypto.ListKeys()], "ListKeys lists the new key")
    host, pool = host_and_pool("/DC0/host/DC0_H0/DC0_H0")
    vm = run_task(S.dc.vmFolder.CreateVM_Task(created_vm_spec("pv-encrypted"), pool, host))
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(crypto=vim.encryption.CryptoSpecEncrypt(cryptoKeyId=key.keyId))))
    expect_equal((vm.config.keyId.keyId, vm.config.keyId.providerId.id), (key.keyId.keyId, "py-kms"),
                 "config.keyId")
    # runtime.cryptoState came with vSphere 6.7: a 6.5 client never reads it.
    expect_equal(vm.runtime.cryptoState, None if S.version == "vim.version.version11" else "unlocked",
                 "runtime.cryptoState")
    run_task(vm.CreateSnapshot_Task("s1", "", False, False))
    fault = task_error_strict(vim.fault.InvalidVmConfig, vm.ReconfigVM_Task,
                              vim.vm.ConfigSpec(crypto=vim.encryption.CryptoSpecDecrypt()))
    expect_equal([m.key for m in fault.faultMessage], ["msg.hostd.configSpec.enc.snapshots"],
                 "the refusal's message key")
    run_task(vm.RemoveAllSnapshots_Task())
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(crypto=vim.encryption.CryptoSpecDecrypt())))
    expect(vm.config.keyId is None, "config.keyId after a decrypt: %r" % vm.config.keyId)
    run_task(vm.Destroy_Task())


# ---------------------------------------------------------------------------------------
# Against `vsim serve -admission-control`


@admission_check
def admission_control_refuses_what_a_pool_cannot_hold():
    vm = vm_named("DC0_C0_RP0_VM1")
    pool = vm.resourcePool
    if vm.runtime.powerState != "poweredOff":
        run_task(vm.PowerOffVM_Task())
    room = pool.runtime.cpu.unreservedForVm
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(cpuAllocation=vim.ResourceAllocationInfo(reservation=room + 1))))
    fault = task_error_strict(vim.fault.InsufficientCpuResourcesFault, vm.PowerOnVM_Task)
    expect_equal((fault.unreserved, fault.requested), (room, room + 1), "the fault's unreserved and requested")
    expect_equal(vm.runtime.powerState, "poweredOff", "the refused VM's power state")
    child = pool.CreateResourcePool("py-admission", vim.ResourceConfigSpec(
        cpuAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1,
                                                 shares=vim.SharesInfo(level="normal", shares=0)),
        memoryAllocation=vim.ResourceAllocationInfo(reservation=0, expandableReservation=True, limit=-1,
                                                    shares=vim.SharesInfo(level="normal", shares=0))))
    try:
        more = vim.ResourceConfigSpec(cpuAllocation=vim.ResourceAllocationInfo(reservation=room + 1),
                                      memoryAllocation=vim.ResourceAllocationInfo())
        raises(vim.fault.InsufficientCpuResourcesFault, child.UpdateConfig, None, more)
        expect_equal(child.config.cpuAllocation.reservation, 0, "the refused pool's reservation")
        run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(cpuAllocation=vim.ResourceAllocationInfo(reservation=room))))
        run_task(vm.PowerOnVM_Task())
        expect_equal(pool.runtime.cpu.unreservedForVm, 0, "the pool's room once the VM runs")
    finally:
        run_task(child.Destroy_Task())
    run_task(vm.PowerOffVM_Task())
    run_task(vm.ReconfigVM_Task(vim.vm.ConfigSpec(cpuAllocation=vim.ResourceAllocationInfo(reservation=0))))


# ---------------------------------------------------------------------------------------


def one_line(text, limit=600):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def main():
    S.si = login()
    S.content = S.si.RetrieveContent()
    S.version = S.si._stub.version
    S.dc = dc0()
    passed = failed = 0
    for fn in ADMISSION_CHECKS if ADMISSION else CHECKS:
        name = fn.__name__
        try:
            fn()
        except CheckFailed as e:
            failed += 1
            print("FAIL %s: %s" % (name, one_line(str(e))), flush=True)
        except Exception as e:  # noqa: BLE001 - a client error is a failed check, with where it came from
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            what = e.msg if isinstance(e, vmodl.MethodFault) else str(e)
            print("FAIL %s: %s: %s (at %s:%d)" % (name, type(e).__name__, one_line(what),
                                                  where.filename.rsplit("/", 1)[-1], where.lineno), flush=True)
        else:
            passed += 1
            print("ok   %s" % name, flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
