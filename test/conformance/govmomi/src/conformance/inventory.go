package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
)

func (s *suite) inventoryChecks() {
	s.check("finder: DatacenterList(*) is [DC0]; its folders vm/host/datastore/network", func(ctx context.Context) error {
		dcs, err := s.finder.DatacenterList(ctx, "*")
		if err != nil {
			return err
		}
		if len(dcs) != 1 || dcs[0].Name() != "DC0" || dcs[0].InventoryPath != "/DC0" {
			return fmt.Errorf("datacenters: %v", dcs)
		}
		s.dc = dcs[0]
		s.finder.SetDatacenter(s.dc)
		folders, err := s.dc.Folders(ctx)
		if err != nil {
			return err
		}
		s.folders = folders
		for path, f := range map[string]*object.Folder{
			"/DC0/vm": folders.VmFolder, "/DC0/host": folders.HostFolder,
			"/DC0/datastore": folders.DatastoreFolder, "/DC0/network": folders.NetworkFolder,
		} {
			if f.InventoryPath != path || f.Reference().Type != "Folder" {
				return fmt.Errorf("folder %s: %s %v", path, f.InventoryPath, f.Reference())
			}
		}
		return nil
	})

	s.check("finder: Datacenter(DC0) and DefaultDatacenter agree", func(ctx context.Context) error {
		dc, err := find.NewFinder(s.c.Client, true).Datacenter(ctx, "DC0")
		if err != nil {
			return err
		}
		def, err := find.NewFinder(s.c.Client, true).DefaultDatacenter(ctx)
		if err != nil {
			return err
		}
		if dc.Reference() != s.dc.Reference() || def.Reference() != s.dc.Reference() {
			return fmt.Errorf("DC0 %v, default %v, list %v", dc.Reference(), def.Reference(), s.dc.Reference())
		}
		return nil
	})

	s.check("finder: VirtualMachine(/DC0/vm/DC0_H0_VM0) by inventory path", func(ctx context.Context) error {
		vm, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
		if err != nil {
			return err
		}
		if vm.Reference().Type != "VirtualMachine" || vm.InventoryPath != "/DC0/vm/DC0_H0_VM0" {
			return fmt.Errorf("got %v at %s", vm.Reference(), vm.InventoryPath)
		}
		name, err := vm.ObjectName(ctx)
		if err != nil || name != "DC0_H0_VM0" {
			return fmt.Errorf("name %q %v", name, err)
		}
		return nil
	})

	s.check("finder: VirtualMachineList(*) finds the 4 default VMs", func(ctx context.Context) error {
		vms, err := s.finder.VirtualMachineList(ctx, "*")
		if err != nil {
			return err
		}
		var got []string
		for _, vm := range vms {
			got = append(got, vm.Name())
		}
		return sameStrings(got, []string{"DC0_H0_VM0", "DC0_H0_VM1", "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"})
	})

	s.check("finder: HostSystemList(*) expands compute resources into 4 hosts", func(ctx context.Context) error {
		hosts, err := s.finder.HostSystemList(ctx, "*")
		if err != nil {
			return err
		}
		var got []string
		for _, h := range hosts {
			got = append(got, h.Name())
		}
		return sameStrings(got, []string{"DC0_H0", "DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2"})
	})

	s.check("finder: HostSystem(/DC0/host/DC0_C0/DC0_C0_H1) and its cluster", func(ctx context.Context) error {
		h, err := s.finder.HostSystem(ctx, "/DC0/host/DC0_C0/DC0_C0_H1")
		if err != nil {
			return err
		}
		cl, err := s.finder.ClusterComputeResource(ctx, "DC0_C0")
		if err != nil {
			return err
		}
		hosts, err := cl.Hosts(ctx)
		if err != nil {
			return err
		}
		for _, x := range hosts {
			if x.Reference() == h.Reference() {
				return nil
			}
		}
		return fmt.Errorf("host %v not among cluster hosts %v", h.Reference(), hosts)
	})

	s.check("finder: DatastoreList(*) is [LocalDS_0]", func(ctx context.Context) error {
		dss, err := s.finder.DatastoreList(ctx, "*")
		if err != nil {
			return err
		}
		if len(dss) != 1 || dss[0].Name() != "LocalDS_0" || dss[0].Reference().Type != "Datastore" {
			return fmt.Errorf("datastores: %v", dss)
		}
		return nil
	})

	s.check("finder: NetworkList(*) has VM Network, DVS0 portgroups", func(ctx context.Context) error {
		nets, err := s.finder.NetworkList(ctx, "*")
		if err != nil {
			return err
		}
		seen := map[string]string{}
		for _, n := range nets {
			seen[n.GetInventoryPath()] = n.Reference().Type
		}
		if seen["/DC0/network/VM Network"] != "Network" {
			return fmt.Errorf("VM Network missing or mistyped: %v", seen)
		}
		if seen["/DC0/network/DC0_DVPG0"] != "DistributedVirtualPortgroup" {
			return fmt.Errorf("DC0_DVPG0 missing or mistyped: %v", seen)
		}
		pg, err := s.finder.Network(ctx, "DC0_DVPG0")
		if err != nil {
			return err
		}
		backing, err := pg.EthernetCardBackingInfo(ctx)
		if err != nil {
			return fmt.Errorf("DVPG backing (needs DVS uuid): %v", err)
		}
		if backing == nil {
			return fmt.Errorf("no backing")
		}
		return nil
	})

	s.check("finder: ResourcePool(/DC0/host/DC0_C0/Resources)", func(ctx context.Context) error {
		p, err := s.finder.ResourcePool(ctx, "/DC0/host/DC0_C0/Resources")
		if err != nil {
			return err
		}
		if p.Reference().Type != "ResourcePool" {
			return fmt.Errorf("got %v", p.Reference())
		}
		return nil
	})

	s.check("pool.info: the root pool reserves its cluster's effective capacity; its runtime counts the rest", func(ctx context.Context) error {
		cluster, err := s.finder.ClusterComputeResource(ctx, "/DC0/host/DC0_C0")
		if err != nil {
			return err
		}
		root, err := cluster.ResourcePool(ctx)
		if err != nil {
			return err
		}
		var c mo.ClusterComputeResource
		if err := cluster.Properties(ctx, cluster.Reference(), []string{"summary"}, &c); err != nil {
			return err
		}
		var pool mo.ResourcePool
		if err := root.Properties(ctx, root.Reference(), []string{"config", "runtime"}, &pool); err != nil {
			return err
		}
		summary := c.Summary.GetComputeResourceSummary()
		cpu, memory := pool.Runtime.Cpu, pool.Runtime.Memory
		if *pool.Config.CpuAllocation.Reservation != int64(summary.EffectiveCpu) || cpu.MaxUsage != int64(summary.EffectiveCpu) {
			return fmt.Errorf("CPU reservation %d, maxUsage %d, effectiveCpu %d", *pool.Config.CpuAllocation.Reservation, cpu.MaxUsage, summary.EffectiveCpu)
		}
		if memory.MaxUsage != summary.EffectiveMemory*1024*1024 {
			return fmt.Errorf("memory maxUsage %d bytes, effectiveMemory %d MB", memory.MaxUsage, summary.EffectiveMemory)
		}
		if cpu.UnreservedForVm != cpu.MaxUsage-cpu.ReservationUsed {
			return fmt.Errorf("CPU unreservedForVm %d, reservationUsed %d of %d", cpu.UnreservedForVm, cpu.ReservationUsed, cpu.MaxUsage)
		}
		return nil
	})

	s.check("finder: wildcard /DC0/vm/DC0_H0_* matches the two VMs of DC0_H0", func(ctx context.Context) error {
		vms, err := s.finder.VirtualMachineList(ctx, "/DC0/vm/DC0_H0_*")
		if err != nil {
			return err
		}
		var got []string
		for _, vm := range vms {
			got = append(got, vm.InventoryPath)
		}
		return sameStrings(got, []string{"/DC0/vm/DC0_H0_VM0", "/DC0/vm/DC0_H0_VM1"})
	})

	s.check("finder: govc ls /DC0/host/DC0_C0 lists the cluster's hosts and pool", func(ctx context.Context) error {
		es, err := s.finder.ManagedObjectListChildren(ctx, "/DC0/host/DC0_C0")
		if err != nil {
			return err
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Path)
		}
		return sameStrings(got, []string{"/DC0/host/DC0_C0/DC0_C0_H0", "/DC0/host/DC0_C0/DC0_C0_H1",
			"/DC0/host/DC0_C0/DC0_C0_H2", "/DC0/host/DC0_C0/Resources"})
	})

	s.check("finder: a missing path is find.NotFoundError", func(ctx context.Context) error {
		_, err := s.finder.VirtualMachine(ctx, "/DC0/vm/no-such-vm")
		var nf *find.NotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("got %T %v", err, err)
		}
		return nil
	})
}
