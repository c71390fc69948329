package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// snapshotTree reads the VM's `snapshot` property (nil when the VM has no snapshot).
func (s *suite) snapshotTree(ctx context.Context, vm *object.VirtualMachine) (*types.VirtualMachineSnapshotInfo, error) {
	var m mo.VirtualMachine
	if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"snapshot"}, &m); err != nil {
		return nil, err
	}
	return m.Snapshot, nil
}

func (s *suite) numCPU(ctx context.Context, vm *object.VirtualMachine) (int32, error) {
	var m mo.VirtualMachine
	if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.hardware.numCPU"}, &m); err != nil {
		return 0, err
	}
	if m.Config == nil {
		return 0, fmt.Errorf("config.hardware.numCPU not returned")
	}
	return m.Config.Hardware.NumCPU, nil
}

func (s *suite) snapshotChecks() {
	var vm *object.VirtualMachine
	var snap1, snap2 types.ManagedObjectReference
	var cpus int32

	s.check("snapshot: CreateSnapshot returns the snapshot; the snapshot tree and FindSnapshot show it as current", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_H0_VM1"); err != nil {
			return err
		}
		if cpus, err = s.numCPU(ctx, vm); err != nil {
			return err
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.CreateSnapshot(ctx, "snap1", "before the change", false, false)
		})
		if err != nil {
			return err
		}
		if info.DescriptionId != "VirtualMachine.createSnapshot" || info.Entity == nil || *info.Entity != vm.Reference() {
			return fmt.Errorf("task descriptionId %q entity %v", info.DescriptionId, info.Entity)
		}
		ref, ok := info.Result.(types.ManagedObjectReference)
		if !ok || ref.Type != "VirtualMachineSnapshot" {
			return fmt.Errorf("task result %#v, want a VirtualMachineSnapshot", info.Result)
		}
		snap1 = ref
		tree, err := s.snapshotTree(ctx, vm)
		if err != nil {
			return err
		}
		if tree == nil || tree.CurrentSnapshot == nil || *tree.CurrentSnapshot != snap1 {
			return fmt.Errorf("snapshot.currentSnapshot %+v, want %s", tree, snap1)
		}
		if len(tree.RootSnapshotList) != 1 {
			return fmt.Errorf("rootSnapshotList has %d entries", len(tree.RootSnapshotList))
		}
		root := tree.RootSnapshotList[0]
		if root.Name != "snap1" || root.Description != "before the change" || root.Snapshot != snap1 || root.Vm != vm.Reference() ||
			root.State != types.VirtualMachinePowerStatePoweredOff || len(root.ChildSnapshotList) != 0 {
			return fmt.Errorf("root snapshot %+v", root)
		}
		found, err := vm.FindSnapshot(ctx, "snap1")
		if err != nil {
			return err
		}
		if *found != snap1 {
			return fmt.Errorf("FindSnapshot(snap1) = %s, want %s", found, snap1)
		}
		return nil
	})

	s.check("snapshot: a second snapshot after a reconfigure is the first one's child", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: cpus + 1})
		}); err != nil {
			return fmt.Errorf("reconfigure: %v", err)
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.CreateSnapshot(ctx, "snap2", "", false, false)
		})
		if err != nil {
			return err
		}
		snap2 = info.Result.(types.ManagedObjectReference)
		tree, err := s.snapshotTree(ctx, vm)
		if err != nil {
			return err
		}
		if tree == nil || len(tree.RootSnapshotList) != 1 || tree.CurrentSnapshot == nil || *tree.CurrentSnapshot != snap2 {
			return fmt.Errorf("snapshot %+v, want current %s", tree, snap2)
		}
		kids := tree.RootSnapshotList[0].ChildSnapshotList
		if len(kids) != 1 || kids[0].Name != "snap2" || kids[0].Snapshot != snap2 {
			return fmt.Errorf("snap1's children %+v", kids)
		}
		found, err := vm.FindSnapshot(ctx, "snap2")
		if err != nil {
			return err
		}
		if *found != snap2 {
			return fmt.Errorf("FindSnapshot(snap2) = %s", found)
		}
		var ms mo.VirtualMachineSnapshot
		if err := s.pc.RetrieveOne(ctx, snap1, []string{"config.hardware.numCPU", "vm", "childSnapshot"}, &ms); err != nil {
			return err
		}
		if ms.Config.Hardware.NumCPU != cpus || ms.Vm != vm.Reference() || len(ms.ChildSnapshot) != 1 || ms.ChildSnapshot[0] != snap2 {
			return fmt.Errorf("snap1: numCPU %d (want %d), vm %s, childSnapshot %v", ms.Config.Hardware.NumCPU, cpus, ms.Vm, ms.ChildSnapshot)
		}
		return nil
	})

	s.check("snapshot: RevertToSnapshot(snap1) restores numCPU and makes snap1 current", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.RevertToSnapshot(ctx, "snap1", true)
		}); err != nil {
			return err
		}
		got, err := s.numCPU(ctx, vm)
		if err != nil {
			return err
		}
		if got != cpus {
			return fmt.Errorf("numCPU %d after revert, want %d", got, cpus)
		}
		tree, err := s.snapshotTree(ctx, vm)
		if err != nil {
			return err
		}
		if tree == nil || tree.CurrentSnapshot == nil || *tree.CurrentSnapshot != snap1 {
			return fmt.Errorf("currentSnapshot %+v, want %s", tree, snap1)
		}
		return s.wantPowerState(ctx, vm.Reference(), types.VirtualMachinePowerStatePoweredOff)
	})

	s.check("snapshot: RemoveSnapshot(snap1) moves snap2 up; snap1 is gone (FindSnapshot, ManagedObjectNotFound)", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.RemoveSnapshot(ctx, "snap1", false, nil)
		}); err != nil {
			return err
		}
		tree, err := s.snapshotTree(ctx, vm)
		if err != nil {
			return err
		}
		if tree == nil || len(tree.RootSnapshotList) != 1 || tree.RootSnapshotList[0].Snapshot != snap2 {
			return fmt.Errorf("snapshot tree after remove %+v, want snap2 as the root", tree)
		}
		if _, err := vm.FindSnapshot(ctx, "snap1"); err == nil {
			return fmt.Errorf("FindSnapshot(snap1) still finds it")
		}
		var ms mo.VirtualMachineSnapshot
		err = s.pc.RetrieveOne(ctx, snap1, []string{"config"}, &ms)
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})

	s.check("snapshot: removing the last snapshot leaves the snapshot property unset", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.RemoveSnapshot(ctx, "snap2", true, nil)
		}); err != nil {
			return err
		}
		tree, err := s.snapshotTree(ctx, vm)
		if err != nil {
			return err
		}
		if tree != nil {
			return fmt.Errorf("snapshot left after remove: %+v", tree)
		}
		if _, err := vm.FindSnapshot(ctx, "snap2"); err == nil {
			return fmt.Errorf("FindSnapshot(snap2) still finds it")
		}
		return nil
	})

	s.check("snapshot: a memory snapshot of a running VM; RevertToCurrentSnapshot powers it back on; RemoveAllSnapshot", func(ctx context.Context) error {
		on, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		if err := s.wantPowerState(ctx, on.Reference(), types.VirtualMachinePowerStatePoweredOn); err != nil {
			return err
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return on.CreateSnapshot(ctx, "mem", "", true, false)
		}); err != nil {
			return err
		}
		tree, err := s.snapshotTree(ctx, on)
		if err != nil {
			return err
		}
		if tree == nil || len(tree.RootSnapshotList) != 1 || tree.RootSnapshotList[0].State != types.VirtualMachinePowerStatePoweredOn {
			return fmt.Errorf("snapshot tree %+v, want one snapshot in state poweredOn", tree)
		}
		if _, err := runTask(ctx, on.PowerOff); err != nil {
			return err
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return on.RevertToCurrentSnapshot(ctx, false)
		}); err != nil {
			return err
		}
		if err := s.wantPowerState(ctx, on.Reference(), types.VirtualMachinePowerStatePoweredOn); err != nil {
			return fmt.Errorf("after revert: %v", err)
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return on.RemoveAllSnapshot(ctx, nil)
		}); err != nil {
			return err
		}
		if tree, err = s.snapshotTree(ctx, on); err != nil {
			return err
		}
		if tree != nil {
			return fmt.Errorf("snapshot left after RemoveAllSnapshot: %+v", tree)
		}
		return nil
	})
}
