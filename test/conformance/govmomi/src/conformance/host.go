package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) hostRuntime(ctx context.Context, host *object.HostSystem) (types.HostRuntimeInfo, error) {
	var m mo.HostSystem
	err := s.pc.RetrieveOne(ctx, host.Reference(), []string{"runtime"}, &m)
	return m.Runtime, err
}

func (s *suite) hostChecks() {
	var host *object.HostSystem
	var running, idle *object.VirtualMachine

	s.check("maintenance: EnterMaintenanceMode with a VM running on the host fails with InvalidState", func(ctx context.Context) error {
		var err error
		if host, err = s.finder.HostSystem(ctx, "DC0_H0"); err != nil {
			return err
		}
		if running, err = s.vm(ctx, "DC0_H0_VM0"); err != nil {
			return err
		}
		if idle, err = s.vm(ctx, "DC0_H0_VM1"); err != nil {
			return err
		}
		if err := s.wantPowerState(ctx, running.Reference(), types.VirtualMachinePowerStatePoweredOn); err != nil {
			return err
		}
		_, err = runTask(ctx, func(ctx context.Context) (*object.Task, error) { return host.EnterMaintenanceMode(ctx, 10, false, nil) })
		if _, err := anyFault(err, "InvalidState"); err != nil {
			return err
		}
		rt, err := s.hostRuntime(ctx, host)
		if err != nil {
			return err
		}
		if rt.InMaintenanceMode {
			return fmt.Errorf("runtime.inMaintenanceMode true after the refusal")
		}
		return nil
	})

	s.check("maintenance: with its VMs off the host enters maintenance mode (runtime.inMaintenanceMode)", func(ctx context.Context) error {
		if _, err := runTask(ctx, running.PowerOff); err != nil {
			return fmt.Errorf("power off %s: %v", running.Name(), err)
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return host.EnterMaintenanceMode(ctx, 10, false, nil) }); err != nil {
			return err
		}
		rt, err := s.hostRuntime(ctx, host)
		if err != nil {
			return err
		}
		if !rt.InMaintenanceMode {
			return fmt.Errorf("runtime.inMaintenanceMode false after EnterMaintenanceMode")
		}
		return nil
	})

	s.check("maintenance: PowerOn of a VM on a host in maintenance mode fails with InvalidState", func(ctx context.Context) error {
		_, err := runTask(ctx, idle.PowerOn)
		if _, err := anyFault(err, "InvalidState"); err != nil {
			return err
		}
		return s.wantPowerState(ctx, idle.Reference(), types.VirtualMachinePowerStatePoweredOff)
	})

	s.check("maintenance: ExitMaintenanceMode; the VM powers on again", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return host.ExitMaintenanceMode(ctx, 10) }); err != nil {
			return err
		}
		rt, err := s.hostRuntime(ctx, host)
		if err != nil {
			return err
		}
		if rt.InMaintenanceMode {
			return fmt.Errorf("runtime.inMaintenanceMode still true")
		}
		if _, err := runTask(ctx, running.PowerOn); err != nil {
			return fmt.Errorf("power on %s: %v", running.Name(), err)
		}
		return s.wantPowerState(ctx, running.Reference(), types.VirtualMachinePowerStatePoweredOn)
	})

	var chost *object.HostSystem
	var cvm types.ManagedObjectReference
	s.check("host: Disconnect marks the host and its VMs disconnected", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_C0_RP0_VM1")
		if err != nil {
			return err
		}
		cvm = vm.Reference()
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, cvm, []string{"runtime.host"}, &m); err != nil {
			return err
		}
		if m.Runtime.Host == nil {
			return fmt.Errorf("runtime.host not set on %s", cvm)
		}
		chost = object.NewHostSystem(s.c.Client, *m.Runtime.Host)
		if _, err := runTask(ctx, chost.Disconnect); err != nil {
			return err
		}
		rt, err := s.hostRuntime(ctx, chost)
		if err != nil {
			return err
		}
		if rt.ConnectionState != types.HostSystemConnectionStateDisconnected || rt.PowerState != types.HostSystemPowerStateUnknown {
			return fmt.Errorf("host runtime connectionState %s powerState %s", rt.ConnectionState, rt.PowerState)
		}
		m = mo.VirtualMachine{}
		if err := s.pc.RetrieveOne(ctx, cvm, []string{"runtime.connectionState"}, &m); err != nil {
			return err
		}
		if m.Runtime.ConnectionState != types.VirtualMachineConnectionStateDisconnected {
			return fmt.Errorf("VM runtime.connectionState %s", m.Runtime.ConnectionState)
		}
		return nil
	})

	s.check("host: Reconnect makes the host and its VMs connected again", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return chost.Reconnect(ctx, nil, nil) }); err != nil {
			return err
		}
		rt, err := s.hostRuntime(ctx, chost)
		if err != nil {
			return err
		}
		if rt.ConnectionState != types.HostSystemConnectionStateConnected || rt.PowerState != types.HostSystemPowerStatePoweredOn {
			return fmt.Errorf("host runtime connectionState %s powerState %s", rt.ConnectionState, rt.PowerState)
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, cvm, []string{"runtime.connectionState"}, &m); err != nil {
			return err
		}
		if m.Runtime.ConnectionState != types.VirtualMachineConnectionStateConnected {
			return fmt.Errorf("VM runtime.connectionState %s", m.Runtime.ConnectionState)
		}
		return nil
	})
}
