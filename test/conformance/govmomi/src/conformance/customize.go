package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) customizeChecks() {
	var vm *object.VirtualMachine
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

	s.check("customize: Customize (CustomizeVM_Task) on a powered-off VM succeeds", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_H0_VM1"); err != nil {
			return err
		}
		if err := s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOff); err != nil {
			return err
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Customize(ctx, spec) })
		if err != nil {
			return err
		}
		if info.DescriptionId != "VirtualMachine.customize" {
			return fmt.Errorf("task descriptionId %q", info.DescriptionId)
		}
		return nil
	})

	s.check("customize: a pending customization is named in config.tools, and a second one fails with CustomizationPending", func(ctx context.Context) error {
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.tools"}, &m); err != nil {
			return err
		}
		if m.Config == nil || m.Config.Tools == nil || m.Config.Tools.PendingCustomization == "" {
			return fmt.Errorf("config.tools %+v", m.Config)
		}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Customize(ctx, spec) })
		_, err = anyFault(err, "CustomizationPending")
		return err
	})

	s.check("customize: after PowerOn the guest reports the host name and address (WaitForIP)", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.PowerOn); err != nil {
			return err
		}
		ip, err := vm.WaitForIP(ctx, true)
		if err != nil {
			return err
		}
		if ip != "192.0.2.10" {
			return fmt.Errorf("WaitForIP %q, want 192.0.2.10", ip)
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"guest.hostName", "guest.ipAddress"}, &m); err != nil {
			return err
		}
		if m.Guest == nil || m.Guest.HostName != "custom" || m.Guest.IpAddress != "192.0.2.10" {
			return fmt.Errorf("guest %+v", m.Guest)
		}
		return nil
	})

	s.check("customize: CustomizationSucceeded is posted for the VM", func(ctx context.Context) error {
		events, err := s.queryEvents(ctx, vm.Reference())
		if err != nil {
			return err
		}
		for _, e := range events {
			if _, ok := e.(*types.CustomizationSucceeded); ok {
				return nil
			}
		}
		return fmt.Errorf("no CustomizationSucceeded among %d events", len(events))
	})

	s.check("customize: Customize on a running VM fails with InvalidPowerState", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Customize(ctx, spec) })
		_, err = anyFault(err, "InvalidPowerState")
		return err
	})

	specs := object.NewCustomizationSpecManager(s.c.Client)
	item := types.CustomizationSpecItem{
		Info: types.CustomizationSpecInfo{Name: "conformance-linux", Description: "saved", Type: "Linux"},
		Spec: spec,
	}

	s.check("customization specs: a saved spec exists, is read back with its change version, and is listed", func(ctx context.Context) error {
		if err := specs.CreateCustomizationSpec(ctx, item); err != nil {
			return err
		}
		ok, err := specs.DoesCustomizationSpecExist(ctx, item.Info.Name)
		if err != nil || !ok {
			return fmt.Errorf("DoesCustomizationSpecExist %v %v", ok, err)
		}
		got, err := specs.GetCustomizationSpec(ctx, item.Info.Name)
		if err != nil {
			return err
		}
		identity, ok := got.Spec.Identity.(*types.CustomizationLinuxPrep)
		if !ok || got.Info.ChangeVersion == "" || got.Info.Type != "Linux" {
			return fmt.Errorf("item %+v, identity %T", got.Info, got.Spec.Identity)
		}
		if name, ok := identity.HostName.(*types.CustomizationFixedName); !ok || name.Name != "custom" {
			return fmt.Errorf("hostName %+v", identity.HostName)
		}
		infos, err := specs.Info(ctx)
		if err != nil || len(infos) != 1 || infos[0].Name != item.Info.Name {
			return fmt.Errorf("info %+v %v", infos, err)
		}
		return nil
	})

	s.check("customization specs: a taken name is AlreadyExists, a stale overwrite ConcurrentAccess", func(ctx context.Context) error {
		_, err := anyFault(specs.CreateCustomizationSpec(ctx, item), "AlreadyExists")
		if err != nil {
			return err
		}
		stale := item
		stale.Info.ChangeVersion = "0"
		_, err = anyFault(specs.OverwriteCustomizationSpec(ctx, stale), "ConcurrentAccess")
		return err
	})

	s.check("customization specs: renamed, duplicated and deleted by name; a missing one is NotFound", func(ctx context.Context) error {
		if err := specs.RenameCustomizationSpec(ctx, item.Info.Name, "renamed"); err != nil {
			return err
		}
		if err := specs.DuplicateCustomizationSpec(ctx, "renamed", "copy"); err != nil {
			return err
		}
		if err := specs.DeleteCustomizationSpec(ctx, "renamed"); err != nil {
			return err
		}
		if _, err := anyFault(specs.DeleteCustomizationSpec(ctx, "renamed"), "NotFound"); err != nil {
			return err
		}
		copied, err := specs.GetCustomizationSpec(ctx, "copy")
		if err != nil {
			return err
		}
		if copied.Info.Name != "copy" {
			return fmt.Errorf("copy named %q", copied.Info.Name)
		}
		return specs.DeleteCustomizationSpec(ctx, "copy")
	})
}
