package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) relocateChecks() {
	var vm *object.VirtualMachine
	var from, to types.ManagedObjectReference

	s.check("relocate: RelocateVM_Task to another host of the cluster", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_C0_RP0_VM0"); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"runtime.host"}, &m); err != nil {
			return err
		}
		if m.Runtime.Host == nil {
			return fmt.Errorf("no runtime.host")
		}
		from = *m.Runtime.Host
		hosts, err := s.finder.HostSystemList(ctx, "DC0_C0/*")
		if err != nil {
			return err
		}
		for _, h := range hosts {
			if h.Reference() != from {
				to = h.Reference()
				break
			}
		}
		if to.Value == "" {
			return fmt.Errorf("no other host than %v", from)
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &to}, types.VirtualMachineMovePriorityDefaultPriority)
		})
		if err != nil {
			return err
		}
		if info.DescriptionId != "VirtualMachine.relocate" {
			return fmt.Errorf("descriptionId %q", info.DescriptionId)
		}
		host, err := vm.HostSystem(ctx)
		if err != nil {
			return err
		}
		if host.Reference() != to {
			return fmt.Errorf("runtime.host %v, want %v", host.Reference(), to)
		}
		return s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOn)
	})

	s.check("relocate: host.vm of the new host lists the VM, the old host's no longer does", func(ctx context.Context) error {
		var hosts []mo.HostSystem
		if err := s.pc.Retrieve(ctx, []types.ManagedObjectReference{from, to}, []string{"vm"}, &hosts); err != nil {
			return err
		}
		for _, h := range hosts {
			listed := hasRef(h.Vm, vm.Reference())
			if h.Self == to && !listed {
				return fmt.Errorf("new host %v does not list the VM: %v", to, h.Vm)
			}
			if h.Self == from && listed {
				return fmt.Errorf("old host %v still lists the VM", from)
			}
		}
		return nil
	})

	s.check("relocate: summary.runtime.host and datastore.vm stay consistent", func(ctx context.Context) error {
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"summary.runtime.host", "datastore"}, &m); err != nil {
			return err
		}
		if m.Summary.Runtime.Host == nil || *m.Summary.Runtime.Host != to {
			return fmt.Errorf("summary.runtime.host %v", m.Summary.Runtime.Host)
		}
		if len(m.Datastore) == 0 {
			return fmt.Errorf("VM has no datastore")
		}
		var ds mo.Datastore
		if err := s.pc.RetrieveOne(ctx, m.Datastore[0], []string{"vm"}, &ds); err != nil {
			return err
		}
		if !hasRef(ds.Vm, vm.Reference()) {
			return fmt.Errorf("datastore %v does not list the VM", m.Datastore[0])
		}
		return nil
	})

	s.check("relocate: VmMigratedEvent or VmRelocatedEvent is posted", func(ctx context.Context) error {
		if err := s.hasEvent(ctx, vm.Reference(), "VmMigratedEvent"); err == nil {
			return nil
		}
		return s.hasEvent(ctx, vm.Reference(), "VmRelocatedEvent")
	})
}
