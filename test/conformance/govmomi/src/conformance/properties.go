package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) propertyChecks() {
	s.check("properties: nested paths summary.runtime.powerState, config.hardware.numCPU/memoryMB", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		var m mo.VirtualMachine
		paths := []string{"summary.runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB"}
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), paths, &m); err != nil {
			return err
		}
		if m.Summary.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return fmt.Errorf("summary.runtime.powerState = %q", m.Summary.Runtime.PowerState)
		}
		if m.Config == nil || m.Config.Hardware.NumCPU != 1 || m.Config.Hardware.MemoryMB != 32 {
			return fmt.Errorf("config.hardware = %+v", m.Config)
		}
		raw, err := s.props(ctx, vm.Reference(), paths...)
		if err != nil {
			return err
		}
		if len(raw) != 3 {
			return fmt.Errorf("propSet has %d entries, want exactly the 3 asked: %v", len(raw), raw)
		}
		if _, ok := raw["config.hardware.numCPU"].(int32); !ok {
			return fmt.Errorf("config.hardware.numCPU is %T, want int32 (xsd:int)", raw["config.hardware.numCPU"])
		}
		return nil
	})

	s.check("properties: keyed path config.hardware.device[<disk key>] is that VirtualDisk", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		disks := devices.SelectByType((*types.VirtualDisk)(nil))
		if len(disks) == 0 {
			return fmt.Errorf("no disk among %d devices", len(devices))
		}
		key := disks[0].GetVirtualDevice().Key
		path := fmt.Sprintf("config.hardware.device[%d]", key)
		raw, err := s.props(ctx, vm.Reference(), path)
		if err != nil {
			return err
		}
		disk, ok := asValue(raw[path]).(types.VirtualDisk)
		if !ok {
			return fmt.Errorf("%s is %T (%v)", path, raw[path], raw)
		}
		if disk.Key != key || disk.CapacityInKB <= 0 {
			return fmt.Errorf("%s: key %d capacity %d", path, disk.Key, disk.CapacityInKB)
		}
		return nil
	})

	s.check("properties: devices decode to concrete types (pvscsi, IDE cdrom, NIC on DVPG)", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		if len(devices.SelectByType((*types.ParaVirtualSCSIController)(nil))) != 1 {
			return fmt.Errorf("no ParaVirtualSCSIController: %v", devices)
		}
		if _, err := devices.FindCdrom(""); err != nil {
			return err
		}
		nics := devices.SelectByType((*types.VirtualEthernetCard)(nil))
		if len(nics) != 1 {
			return fmt.Errorf("%d NICs", len(nics))
		}
		nic := nics[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		if _, ok := nic.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo); !ok {
			return fmt.Errorf("NIC backing is %T", nic.Backing)
		}
		if nic.MacAddress == "" {
			return fmt.Errorf("NIC without MAC")
		}
		return nil
	})

	s.check("view: container view of all VMs with name and runtime.powerState", func(ctx context.Context) error {
		v, err := view.NewManager(s.c.Client).CreateContainerView(ctx, s.c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		var vms []mo.VirtualMachine
		if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "runtime.powerState"}, &vms); err != nil {
			return err
		}
		var got []string
		for _, vm := range vms {
			got = append(got, vm.Name)
			if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				return fmt.Errorf("%s runtime.powerState = %q", vm.Name, vm.Runtime.PowerState)
			}
		}
		return sameStrings(got, []string{"DC0_H0_VM0", "DC0_H0_VM1", "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"})
	})

	s.check("view: non-recursive container view of a cluster's hosts; type filter by subtype", func(ctx context.Context) error {
		cl, err := s.finder.ClusterComputeResource(ctx, "DC0_C0")
		if err != nil {
			return err
		}
		m := view.NewManager(s.c.Client)
		v, err := m.CreateContainerView(ctx, cl.Reference(), []string{"HostSystem"}, false)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		refs, err := v.Find(ctx, []string{"HostSystem"}, nil)
		if err != nil {
			return err
		}
		if len(refs) != 3 {
			return fmt.Errorf("%d hosts in DC0_C0, want 3", len(refs))
		}
		// ComputeResource matches clusters too: DC0_C0 and the standalone DC0_H0.
		all, err := m.CreateContainerView(ctx, s.c.ServiceContent.RootFolder, []string{"ComputeResource"}, true)
		if err != nil {
			return err
		}
		defer all.Destroy(ctx)
		var crs []mo.ManagedEntity
		if err := all.Retrieve(ctx, []string{"ComputeResource"}, []string{"name"}, &crs); err != nil {
			return err
		}
		return sameStrings(names(crs), []string{"DC0_C0", "DC0_H0"})
	})

	s.check("properties: RetrievePropertiesEx pages with maxObjects and ContinueRetrievePropertiesEx", func(ctx context.Context) error {
		v, err := view.NewManager(s.c.Client).CreateContainerView(ctx, s.c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		req := types.RetrievePropertiesEx{
			This:    s.pc.Reference(),
			SpecSet: []types.PropertyFilterSpec{viewSpec(v.Reference(), "VirtualMachine", "name")},
			Options: types.RetrieveOptions{MaxObjects: 1},
		}
		res, err := methods.RetrievePropertiesEx(ctx, s.c.Client, &req)
		if err != nil {
			return err
		}
		if res.Returnval == nil || len(res.Returnval.Objects) != 1 || res.Returnval.Token == "" {
			return fmt.Errorf("first page: %+v", res.Returnval)
		}
		seen := map[string]bool{}
		page := res.Returnval
		for i := 0; i < 10; i++ {
			for _, o := range page.Objects {
				seen[o.Obj.Value] = true
			}
			if page.Token == "" {
				break
			}
			next, err := methods.ContinueRetrievePropertiesEx(ctx, s.c.Client, &types.ContinueRetrievePropertiesEx{This: s.pc.Reference(), Token: page.Token})
			if err != nil {
				return err
			}
			page = &next.Returnval
		}
		if len(seen) != 4 || page.Token != "" {
			return fmt.Errorf("paged through %d VMs (token %q), want 4", len(seen), page.Token)
		}
		return nil
	})

	s.check("properties: all=true of every entity type decodes into govmomi's mo types", func(ctx context.Context) error {
		v, err := view.NewManager(s.c.Client).CreateContainerView(ctx, s.c.ServiceContent.RootFolder, nil, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		kinds := []string{"Datacenter", "Folder", "ClusterComputeResource", "ComputeResource", "HostSystem", "ResourcePool",
			"VirtualMachine", "Datastore", "Network", "DistributedVirtualPortgroup", "VmwareDistributedVirtualSwitch"}
		counts := map[string]int{}
		seen := map[types.ManagedObjectReference]bool{}
		for _, kind := range kinds {
			spec := viewSpec(v.Reference(), kind)
			spec.PropSet[0].All = types.NewBool(true)
			res, err := s.pc.RetrieveProperties(ctx, types.RetrieveProperties{This: s.pc.Reference(), SpecSet: []types.PropertyFilterSpec{spec}})
			if err != nil {
				return fmt.Errorf("%s: %v", kind, err)
			}
			for _, oc := range res.Returnval {
				if len(oc.MissingSet) > 0 {
					return fmt.Errorf("%s %s: missingSet %s", kind, oc.Obj.Value, oc.MissingSet[0].Path)
				}
				if _, err := mo.ObjectContentToType(oc); err != nil {
					return fmt.Errorf("%s %s: %v", kind, oc.Obj.Value, err)
				}
				// A type matches its subtypes too (ComputeResource: clusters), so count each object once.
				if !seen[oc.Obj] {
					seen[oc.Obj] = true
					counts[oc.Obj.Type]++
				}
			}
		}
		if counts["VirtualMachine"] != 4 || counts["HostSystem"] != 4 || counts["Datastore"] != 1 || counts["Datacenter"] != 1 ||
			counts["ClusterComputeResource"] != 1 || counts["ComputeResource"] != 1 || counts["DistributedVirtualPortgroup"] < 2 {
			return fmt.Errorf("objects per type: %v", counts)
		}
		return nil
	})

	s.check("properties: TaskManager, EventManager and SearchIndex are in ServiceContent", func(ctx context.Context) error {
		sc := s.c.ServiceContent
		if sc.TaskManager == nil || sc.EventManager == nil || sc.SearchIndex == nil || sc.ViewManager == nil {
			return fmt.Errorf("ServiceContent lacks a manager: %+v", sc)
		}
		var tm mo.TaskManager
		return s.pc.RetrieveOne(ctx, *sc.TaskManager, []string{"recentTask"}, &tm)
	})
}

// viewSpec selects the objects of a view (the "view" property) and retrieves `paths` of `kind`.
func viewSpec(view types.ManagedObjectReference, kind string, paths ...string) types.PropertyFilterSpec {
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj:  view,
			Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{
				Type: "ContainerView",
				Path: "view",
			}},
		}},
		PropSet: []types.PropertySpec{{Type: kind, PathSet: paths}},
	}
}
