package main

// Checks of vCenter features the simulator does not have yet. run.sh skips them (they are
// not counted); `-pending` runs them to see how far the simulator has come.

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) pendingChecks() {
	s.check("pending snapshots: CreateSnapshot, RevertToCurrentSnapshot, RemoveSnapshot", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.CreateSnapshot(ctx, "snap1", "", false, false)
		}); err != nil {
			return fmt.Errorf("create: %v", err)
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"snapshot"}, &m); err != nil {
			return err
		}
		if m.Snapshot == nil || len(m.Snapshot.RootSnapshotList) != 1 || m.Snapshot.RootSnapshotList[0].Name != "snap1" {
			return fmt.Errorf("snapshot info %+v", m.Snapshot)
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.RevertToCurrentSnapshot(ctx, true) }); err != nil {
			return fmt.Errorf("revert: %v", err)
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.RemoveSnapshot(ctx, "snap1", false, nil) }); err != nil {
			return fmt.Errorf("remove: %v", err)
		}
		m = mo.VirtualMachine{}
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"snapshot"}, &m); err != nil {
			return err
		}
		if m.Snapshot != nil {
			return fmt.Errorf("snapshot left after remove: %+v", m.Snapshot)
		}
		return nil
	})

	s.check("pending customization: CustomizeVM_Task on a powered-off VM", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		spec := types.CustomizationSpec{
			Identity: &types.CustomizationLinuxPrep{
				HostName: &types.CustomizationFixedName{Name: "custom"},
				Domain:   "example.com",
			},
			GlobalIPSettings: types.CustomizationGlobalIPSettings{},
			NicSettingMap: []types.CustomizationAdapterMapping{{
				Adapter: types.CustomizationIPSettings{Ip: &types.CustomizationFixedIp{IpAddress: "192.0.2.10"}, SubnetMask: "255.255.255.0"},
			}},
		}
		_, err = runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Customize(ctx, spec) })
		return err
	})

	s.check("pending maintenance: a host in maintenance mode refuses PowerOn with InvalidState", func(ctx context.Context) error {
		host, err := s.finder.HostSystem(ctx, "DC0_H0")
		if err != nil {
			return err
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return host.EnterMaintenanceMode(ctx, 10, false, nil) }); err != nil {
			return fmt.Errorf("enter: %v", err)
		}
		defer runTask(ctx, func(ctx context.Context) (*object.Task, error) { return host.ExitMaintenanceMode(ctx, 10) })
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		_, err = runTask(ctx, vm.PowerOn)
		_, err = anyFault(err, "InvalidState", "HostInMaintenance")
		return err
	})

	s.check("pending custom fields: AddCustomFieldDef and SetField", func(ctx context.Context) error {
		m, err := object.GetCustomFieldsManager(s.c.Client)
		if err != nil {
			return err
		}
		def, err := m.Add(ctx, "conformance", "VirtualMachine", nil, nil)
		if err != nil {
			return err
		}
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		if err := m.Set(ctx, vm.Reference(), def.Key, "yes"); err != nil {
			return err
		}
		var mvm mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"customValue"}, &mvm); err != nil {
			return err
		}
		for _, v := range mvm.CustomValue {
			if sv, ok := v.(*types.CustomFieldStringValue); ok && sv.Key == def.Key && sv.Value == "yes" {
				return nil
			}
		}
		return fmt.Errorf("customValue %+v", mvm.CustomValue)
	})

	s.check("pending event collector: CreateCollectorForEvents and ReadNextEvents", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		c, err := event.NewManager(s.c.Client).CreateCollectorForEvents(ctx, types.EventFilterSpec{
			Entity: &types.EventFilterSpecByEntity{Entity: vm.Reference(), Recursion: types.EventFilterSpecRecursionOptionSelf},
		})
		if err != nil {
			return err
		}
		defer c.Destroy(ctx)
		events, err := c.ReadNextEvents(ctx, 50)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return fmt.Errorf("no events")
		}
		return nil
	})
}
