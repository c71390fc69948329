package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) searchChecks() {
	var si *object.SearchIndex
	var vm mo.VirtualMachine

	s.check("search: FindByInventoryPath DC0/vm/DC0_H0_VM1 and DC0/host/DC0_C0", func(ctx context.Context) error {
		si = object.NewSearchIndex(s.c.Client)
		want, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		got, err := si.FindByInventoryPath(ctx, "DC0/vm/DC0_H0_VM1")
		if err != nil {
			return err
		}
		if got == nil || got.Reference() != want.Reference() {
			return fmt.Errorf("got %v, want %v", got, want.Reference())
		}
		cl, err := si.FindByInventoryPath(ctx, "DC0/host/DC0_C0")
		if err != nil {
			return err
		}
		if cl == nil || cl.Reference().Type != "ClusterComputeResource" {
			return fmt.Errorf("DC0/host/DC0_C0 -> %v", cl)
		}
		none, err := si.FindByInventoryPath(ctx, "DC0/vm/no-such-vm")
		if err != nil || none != nil {
			return fmt.Errorf("missing path -> %v %v, want nothing", none, err)
		}
		return nil
	})

	s.check("search: FindChild(vm folder, DC0_H0_VM1)", func(ctx context.Context) error {
		got, err := si.FindChild(ctx, s.folders.VmFolder, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		if got == nil || got.Reference().Type != "VirtualMachine" {
			return fmt.Errorf("got %v", got)
		}
		return nil
	})

	s.check("search: FindByUuid (bios uuid and instanceUuid)", func(ctx context.Context) error {
		ref, err := s.vm(ctx, "DC0_C0_RP0_VM1")
		if err != nil {
			return err
		}
		if err := s.pc.RetrieveOne(ctx, ref.Reference(), []string{"config.uuid", "config.instanceUuid", "guest.ipAddress", "guest.hostName"}, &vm); err != nil {
			return err
		}
		got, err := si.FindByUuid(ctx, s.dc, vm.Config.Uuid, true, nil)
		if err != nil {
			return err
		}
		if got == nil || got.Reference() != vm.Self {
			return fmt.Errorf("bios uuid %s -> %v", vm.Config.Uuid, got)
		}
		got, err = si.FindByUuid(ctx, s.dc, vm.Config.InstanceUuid, true, types.NewBool(true))
		if err != nil {
			return err
		}
		if got == nil || got.Reference() != vm.Self {
			return fmt.Errorf("instance uuid %s -> %v", vm.Config.InstanceUuid, got)
		}
		none, err := si.FindByUuid(ctx, s.dc, "00000000-0000-0000-0000-000000000000", true, nil)
		if err != nil || none != nil {
			return fmt.Errorf("unknown uuid -> %v %v", none, err)
		}
		return nil
	})

	s.check("search: FindByIp with the guest's address", func(ctx context.Context) error {
		if vm.Guest == nil || vm.Guest.IpAddress == "" {
			return fmt.Errorf("guest.ipAddress not reported for a running VM")
		}
		got, err := si.FindByIp(ctx, s.dc, vm.Guest.IpAddress, true)
		if err != nil {
			return err
		}
		if got == nil || got.Reference() != vm.Self {
			return fmt.Errorf("%s -> %v", vm.Guest.IpAddress, got)
		}
		return nil
	})

	s.check("search: VirtualMachine.WaitForIP (govc vm.ip) answers the guest's address", func(ctx context.Context) error {
		ip, err := object.NewVirtualMachine(s.c.Client, vm.Self).WaitForIP(ctx)
		if err != nil {
			return err
		}
		if ip != vm.Guest.IpAddress {
			return fmt.Errorf("WaitForIP %q, guest.ipAddress %q", ip, vm.Guest.IpAddress)
		}
		return nil
	})

	s.check("search: FindByDnsName with the guest's host name", func(ctx context.Context) error {
		if vm.Guest == nil || vm.Guest.HostName == "" {
			return fmt.Errorf("guest.hostName not reported for a running VM")
		}
		got, err := si.FindByDnsName(ctx, s.dc, vm.Guest.HostName, true)
		if err != nil {
			return err
		}
		if got == nil || got.Reference() != vm.Self {
			return fmt.Errorf("%s -> %v", vm.Guest.HostName, got)
		}
		return nil
	})
}
