package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// hostConfigChecks drive a host's configManager as govc's datastore.create -type nfs,
// datastore.remove, host.vswitch.* and host.portgroup.* do.
func (s *suite) hostConfigChecks() {
	var first, second *object.HostSystem
	var dss, otherDss *object.HostDatastoreSystem
	var ns *object.HostNetworkSystem
	nfs := types.HostNasVolumeSpec{
		RemoteHost: "nfs.example.com", RemotePath: "/exports/conformance", LocalPath: "nfs-conformance",
		AccessMode: string(types.HostMountModeReadWrite), Type: "NFS",
	}

	s.check("configManager: read through the property collector, it names the host's datastore and network systems", func(ctx context.Context) error {
		var err error
		if first, err = s.finder.HostSystem(ctx, "DC0_C0/DC0_C0_H0"); err != nil {
			return err
		}
		if second, err = s.finder.HostSystem(ctx, "DC0_C0/DC0_C0_H1"); err != nil {
			return err
		}
		var h mo.HostSystem
		if err := s.pc.RetrieveOne(ctx, first.Reference(), []string{"configManager"}, &h); err != nil {
			return err
		}
		id := strings.TrimPrefix(first.Reference().Value, "host-")
		cm := h.ConfigManager
		if cm.DatastoreSystem == nil || cm.DatastoreSystem.Value != "datastoreSystem-"+id {
			return fmt.Errorf("configManager.datastoreSystem = %v", cm.DatastoreSystem)
		}
		if cm.NetworkSystem == nil || cm.NetworkSystem.Value != "networkSystem-"+id || cm.StorageSystem != nil {
			return fmt.Errorf("configManager.networkSystem = %v, storageSystem = %v", cm.NetworkSystem, cm.StorageSystem)
		}
		if dss, err = first.ConfigManager().DatastoreSystem(ctx); err != nil {
			return err
		}
		if otherDss, err = second.ConfigManager().DatastoreSystem(ctx); err != nil {
			return err
		}
		ns, err = first.ConfigManager().NetworkSystem(ctx)
		return err
	})

	s.check("datastore system: CreateNasDatastore mounts an export the finder then finds as an NFS datastore", func(ctx context.Context) error {
		ds, err := dss.CreateNasDatastore(ctx, nfs)
		if err != nil {
			return err
		}
		found, err := s.finder.Datastore(ctx, nfs.LocalPath)
		if err != nil {
			return err
		}
		if found.Reference() != ds.Reference() {
			return fmt.Errorf("finder found %v, created %v", found.Reference(), ds.Reference())
		}
		var m mo.Datastore
		if err := s.pc.RetrieveOne(ctx, ds.Reference(), []string{"summary", "info"}, &m); err != nil {
			return err
		}
		info, ok := m.Info.(*types.NasDatastoreInfo)
		if m.Summary.Type != "NFS" || !ok || info.Nas == nil || info.Nas.RemotePath != nfs.RemotePath {
			return fmt.Errorf("summary.type %q, info %T", m.Summary.Type, m.Info)
		}
		var sys mo.HostDatastoreSystem
		if err := s.pc.RetrieveOne(ctx, dss.Reference(), []string{"datastore"}, &sys); err != nil {
			return err
		}
		for _, ref := range sys.Datastore {
			if ref == ds.Reference() {
				return nil
			}
		}
		return fmt.Errorf("HostDatastoreSystem.datastore %v lacks %v", sys.Datastore, ds.Reference())
	})

	s.check("datastore system: a second host mounts the same export as the same datastore; AlreadyExists and DuplicateName", func(ctx context.Context) error {
		ds, err := otherDss.CreateNasDatastore(ctx, nfs)
		if err != nil {
			return err
		}
		var m mo.Datastore
		if err := s.pc.RetrieveOne(ctx, ds.Reference(), []string{"host"}, &m); err != nil {
			return err
		}
		if len(m.Host) != 2 {
			return fmt.Errorf("datastore.host has %d mounts, want 2", len(m.Host))
		}
		_, err = dss.CreateNasDatastore(ctx, nfs)
		if _, err := anyFault(err, "AlreadyExists"); err != nil {
			return err
		}
		other := nfs
		other.LocalPath = "LocalDS_0"
		_, err = dss.CreateNasDatastore(ctx, other)
		_, err = anyFault(err, "DuplicateName")
		return err
	})

	s.check("datastore system: Remove unmounts from one host, the last Remove takes the datastore away", func(ctx context.Context) error {
		ds, err := s.finder.Datastore(ctx, nfs.LocalPath)
		if err != nil {
			return err
		}
		if err := dss.Remove(ctx, ds); err != nil {
			return err
		}
		if _, err := s.finder.Datastore(ctx, nfs.LocalPath); err != nil {
			return fmt.Errorf("after the first unmount: %v", err)
		}
		if _, err := anyFault(dss.Remove(ctx, ds), "NotFound"); err != nil {
			return err
		}
		if err := otherDss.Remove(ctx, ds); err != nil {
			return err
		}
		if _, err := s.finder.Datastore(ctx, nfs.LocalPath); err == nil {
			return fmt.Errorf("the datastore is still found after its last host unmounted it")
		} else if _, ok := err.(*find.NotFoundError); !ok {
			return err
		}
		return nil
	})

	s.check("datastore system: Remove of a datastore a VM of the host is on fails with ResourceInUse", func(ctx context.Context) error {
		vms, err := s.finder.VirtualMachineList(ctx, "*")
		if err != nil || len(vms) == 0 {
			return fmt.Errorf("no VM: %v", err)
		}
		var vm mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vms[0].Reference(), []string{"runtime.host", "datastore"}, &vm); err != nil {
			return err
		}
		if vm.Runtime.Host == nil || len(vm.Datastore) == 0 {
			return fmt.Errorf("%s has no host or datastore", vms[0].Name())
		}
		system, err := object.NewHostSystem(s.c.Client, *vm.Runtime.Host).ConfigManager().DatastoreSystem(ctx)
		if err != nil {
			return err
		}
		_, err = anyFault(system.Remove(ctx, object.NewDatastore(s.c.Client, vm.Datastore[0])), "ResourceInUse")
		return err
	})

	networkInfo := func(ctx context.Context) (*types.HostNetworkInfo, error) {
		var m mo.HostNetworkSystem
		if err := s.pc.RetrieveOne(ctx, ns.Reference(), []string{"networkInfo"}, &m); err != nil {
			return nil, err
		}
		if m.NetworkInfo == nil {
			return nil, fmt.Errorf("no networkInfo")
		}
		return m.NetworkInfo, nil
	}

	s.check("network system: networkInfo has vSwitch0 with VM Network and the management vmk0", func(ctx context.Context) error {
		info, err := networkInfo(ctx)
		if err != nil {
			return err
		}
		if len(info.Vswitch) != 1 || info.Vswitch[0].Name != "vSwitch0" || len(info.Pnic) != 1 || len(info.Vnic) != 1 {
			return fmt.Errorf("vswitches %d, pnics %d, vnics %d", len(info.Vswitch), len(info.Pnic), len(info.Vnic))
		}
		for _, pg := range info.Portgroup {
			if pg.Spec.Name == "VM Network" && pg.Spec.VswitchName == "vSwitch0" {
				return nil
			}
		}
		return fmt.Errorf("no VM Network portgroup on vSwitch0")
	})

	s.check("network system: AddVirtualSwitch and AddPortGroup make a portgroup the finder sees as a Network", func(ctx context.Context) error {
		if err := ns.AddVirtualSwitch(ctx, "vSwitch1", &types.HostVirtualSwitchSpec{NumPorts: 64}); err != nil {
			return err
		}
		if err := ns.AddPortGroup(ctx, types.HostPortGroupSpec{Name: "pg-conformance", VlanId: 5, VswitchName: "vSwitch1", Policy: types.HostNetworkPolicy{}}); err != nil {
			return err
		}
		info, err := networkInfo(ctx)
		if err != nil {
			return err
		}
		if len(info.Vswitch) != 2 || info.Vswitch[1].Name != "vSwitch1" || len(info.Vswitch[1].Portgroup) != 1 {
			return fmt.Errorf("vswitches %+v", info.Vswitch)
		}
		net, err := s.finder.Network(ctx, "pg-conformance")
		if err != nil {
			return err
		}
		var m mo.Network
		if err := s.pc.RetrieveOne(ctx, net.Reference(), []string{"host"}, &m); err != nil {
			return err
		}
		if len(m.Host) != 1 || m.Host[0] != first.Reference() {
			return fmt.Errorf("network.host %v", m.Host)
		}
		err = ns.AddPortGroup(ctx, types.HostPortGroupSpec{Name: "pg-conformance", VswitchName: "vSwitch1"})
		_, err = anyFault(err, "AlreadyExists")
		return err
	})

	s.check("network system: RemovePortGroup and RemoveVirtualSwitch undo them; NotFound and ResourceInUse", func(ctx context.Context) error {
		if _, err := anyFault(ns.RemovePortGroup(ctx, "Management Network"), "ResourceInUse"); err != nil {
			return err
		}
		if err := ns.RemovePortGroup(ctx, "pg-conformance"); err != nil {
			return err
		}
		if _, err := s.finder.Network(ctx, "pg-conformance"); err == nil {
			return fmt.Errorf("the Network outlived its only portgroup")
		}
		if err := ns.RemoveVirtualSwitch(ctx, "vSwitch1"); err != nil {
			return err
		}
		if _, err := anyFault(ns.RemoveVirtualSwitch(ctx, "vSwitch1"), "NotFound"); err != nil {
			return err
		}
		info, err := networkInfo(ctx)
		if err != nil {
			return err
		}
		if len(info.Vswitch) != 1 {
			return fmt.Errorf("%d vswitches left, want 1", len(info.Vswitch))
		}
		return nil
	})
}
