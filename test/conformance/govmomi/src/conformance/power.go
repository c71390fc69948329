package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) powerChecks() {
	var vm *object.VirtualMachine

	s.check("power: PowerOff task succeeds; runtime.powerState poweredOff", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_H0_VM0"); err != nil {
			return err
		}
		info, err := runTask(ctx, vm.PowerOff)
		if err != nil {
			return err
		}
		if info.State != types.TaskInfoStateSuccess || info.DescriptionId != "VirtualMachine.powerOff" {
			return fmt.Errorf("task %s %s", info.State, info.DescriptionId)
		}
		return s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOff)
	})

	s.check("power: a repeated PowerOff fails with task error InvalidPowerState", func(ctx context.Context) error {
		_, err := runTask(ctx, vm.PowerOff)
		f, err := taskFault(err, "InvalidPowerState")
		if err != nil {
			return err
		}
		if ips := asValue(f).(types.InvalidPowerState); ips.ExistingState != types.VirtualMachinePowerStatePoweredOff {
			return fmt.Errorf("existingState = %q", ips.ExistingState)
		}
		return s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOff)
	})

	var bootTime *types.VirtualMachineRuntimeInfo
	s.check("power: PowerOn task; poweredOn with a bootTime", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.PowerOn); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"runtime"}, &m); err != nil {
			return err
		}
		if m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || m.Runtime.BootTime == nil {
			return fmt.Errorf("runtime %s bootTime %v", m.Runtime.PowerState, m.Runtime.BootTime)
		}
		bootTime = &m.Runtime
		return nil
	})

	s.check("power: Reset task keeps it on with a new bootTime", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.Reset); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"runtime"}, &m); err != nil {
			return err
		}
		if m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || m.Runtime.BootTime == nil {
			return fmt.Errorf("runtime %s bootTime %v", m.Runtime.PowerState, m.Runtime.BootTime)
		}
		if m.Runtime.BootTime.Before(*bootTime.BootTime) {
			return fmt.Errorf("bootTime went back: %v -> %v", bootTime.BootTime, m.Runtime.BootTime)
		}
		return nil
	})

	s.check("power: Suspend task -> suspended; Reset of a suspended VM is InvalidPowerState", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.Suspend); err != nil {
			return err
		}
		if err := s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStateSuspended); err != nil {
			return err
		}
		_, err := runTask(ctx, vm.Reset)
		_, err = taskFault(err, "InvalidPowerState")
		return err
	})

	s.check("power: PowerOn resumes a suspended VM", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.PowerOn); err != nil {
			return err
		}
		return s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOn)
	})

	s.check("power: a repeated PowerOn fails with task error InvalidPowerState", func(ctx context.Context) error {
		_, err := runTask(ctx, vm.PowerOn)
		_, err = taskFault(err, "InvalidPowerState")
		return err
	})

	s.check("events: QueryEvents for the VM has its power events, newest with the VM's name", func(ctx context.Context) error {
		ref := vm.Reference()
		events, err := event.NewManager(s.c.Client).QueryEvents(ctx, types.EventFilterSpec{
			Entity: &types.EventFilterSpecByEntity{Entity: ref, Recursion: types.EventFilterSpecRecursionOptionSelf},
		})
		if err != nil {
			return err
		}
		seen := map[string]int{}
		keys := map[int32]bool{}
		for _, e := range events {
			be := e.GetEvent()
			if be.Vm == nil || be.Vm.Vm != ref || be.Vm.Name != "DC0_H0_VM0" {
				return fmt.Errorf("%s is not about the VM: %+v", typeName(e), be.Vm)
			}
			if be.FullFormattedMessage == "" || be.CreatedTime.IsZero() || keys[be.Key] {
				return fmt.Errorf("%s: message %q, time %v, key %d", typeName(e), be.FullFormattedMessage, be.CreatedTime, be.Key)
			}
			keys[be.Key] = true
			seen[typeName(e)]++
		}
		for _, want := range []string{"VmPoweredOffEvent", "VmPoweredOnEvent", "VmResettingEvent", "VmSuspendedEvent"} {
			if seen[want] == 0 {
				return fmt.Errorf("no %s among %v", want, seen)
			}
		}
		if seen["VmPoweredOnEvent"] < 2 && seen["VmResumingEvent"] == 0 {
			return fmt.Errorf("the resume is missing: %v", seen)
		}
		return nil
	})

	s.check("events: QueryEvents filtered by eventTypeId", func(ctx context.Context) error {
		events, err := event.NewManager(s.c.Client).QueryEvents(ctx, types.EventFilterSpec{
			Entity:      &types.EventFilterSpecByEntity{Entity: vm.Reference(), Recursion: types.EventFilterSpecRecursionOptionSelf},
			EventTypeId: []string{"VmSuspendedEvent"},
		})
		if err != nil {
			return err
		}
		if len(events) != 1 || typeName(events[0]) != "VmSuspendedEvent" {
			return fmt.Errorf("got %d events: %v", len(events), events)
		}
		return nil
	})

	s.check("console: AcquireTicket(webmks) of a running VM is a ticket of its host on port 443", func(ctx context.Context) error {
		t, err := vm.AcquireTicket(ctx, string(types.VirtualMachineTicketTypeWebmks))
		if err != nil {
			return err
		}
		if t.Ticket == "" || t.Host != "DC0_H0" || t.Port != 443 || t.CfgFile == "" {
			return fmt.Errorf("ticket %+v", t)
		}
		return nil
	})

	s.check("hardware: UpgradeVM of a powered-off VM to vmx-19; vmx-17 then is AlreadyUpgraded, a ticket InvalidPowerState", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.PowerOff); err != nil {
			return err
		}
		if _, err := vm.AcquireTicket(ctx, "webmks"); err != nil {
			if _, err := soapFault(err, "InvalidPowerState"); err != nil {
				return err
			}
		} else {
			return fmt.Errorf("AcquireTicket of a powered-off VM succeeded")
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.UpgradeVM(ctx, "vmx-19") }); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.version"}, &m); err != nil {
			return err
		}
		if m.Config == nil || m.Config.Version != "vmx-19" {
			return fmt.Errorf("config.version %+v", m.Config)
		}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.UpgradeVM(ctx, "vmx-17") })
		if _, err := taskFault(err, "AlreadyUpgraded"); err != nil {
			return err
		}
		_, err = runTask(ctx, vm.PowerOn)
		return err
	})
}
