package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const cloneName = "govmomi-clone"

func (s *suite) cloneChecks() {
	var source, clone *object.VirtualMachine
	var cloneInfo *types.TaskInfo

	s.check("clone: CloneVM_Task with spec.powerOn=true leaves the clone powered on", func(ctx context.Context) error {
		var err error
		if source, err = s.vm(ctx, "DC0_H0_VM0"); err != nil {
			return err
		}
		spec := types.VirtualMachineCloneSpec{PowerOn: true}
		cloneInfo, err = runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return source.Clone(ctx, s.folders.VmFolder, cloneName, spec)
		})
		if err != nil {
			return err
		}
		ref, ok := asValue(cloneInfo.Result).(types.ManagedObjectReference)
		if !ok || ref.Type != "VirtualMachine" {
			return fmt.Errorf("task result %T %v", cloneInfo.Result, cloneInfo.Result)
		}
		clone = object.NewVirtualMachine(s.c.Client, ref)
		found, err := s.vm(ctx, cloneName)
		if err != nil {
			return err
		}
		if found.Reference() != ref {
			return fmt.Errorf("finder found %v, task result %v", found.Reference(), ref)
		}
		return s.wantPowerState(ctx, ref, types.VirtualMachinePowerStatePoweredOn)
	})

	s.check("clone: the clone has its own identity (uuid, MAC) and the source's hardware", func(ctx context.Context) error {
		var a, b mo.VirtualMachine
		paths := []string{"config.uuid", "config.hardware", "config.guestId", "parent"}
		if err := s.pc.RetrieveOne(ctx, source.Reference(), paths, &a); err != nil {
			return err
		}
		if err := s.pc.RetrieveOne(ctx, clone.Reference(), paths, &b); err != nil {
			return err
		}
		if a.Config.Uuid == b.Config.Uuid || b.Config.Uuid == "" {
			return fmt.Errorf("uuid %q vs %q", a.Config.Uuid, b.Config.Uuid)
		}
		if a.Config.Hardware.NumCPU != b.Config.Hardware.NumCPU || len(a.Config.Hardware.Device) != len(b.Config.Hardware.Device) {
			return fmt.Errorf("hardware differs: %d/%d CPUs, %d/%d devices", a.Config.Hardware.NumCPU, b.Config.Hardware.NumCPU,
				len(a.Config.Hardware.Device), len(b.Config.Hardware.Device))
		}
		if b.Parent == nil || *b.Parent != s.folders.VmFolder.Reference() {
			return fmt.Errorf("clone parent %v", b.Parent)
		}
		macs := map[string]bool{}
		for _, vm := range []mo.VirtualMachine{a, b} {
			for _, d := range object.VirtualDeviceList(vm.Config.Hardware.Device).SelectByType((*types.VirtualEthernetCard)(nil)) {
				mac := d.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard().MacAddress
				if macs[mac] {
					return fmt.Errorf("MAC %s shared by source and clone", mac)
				}
				macs[mac] = true
			}
		}
		return nil
	})

	s.check("clone: onto a taken name fails with task error DuplicateName", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return source.Clone(ctx, s.folders.VmFolder, cloneName, types.VirtualMachineCloneSpec{})
		})
		f, err := taskFault(err, "DuplicateName")
		if err != nil {
			return err
		}
		if dn := asValue(f).(types.DuplicateName); dn.Name != cloneName {
			return fmt.Errorf("DuplicateName.name = %q", dn.Name)
		}
		vms, err := s.finder.VirtualMachineList(ctx, cloneName)
		if err != nil || len(vms) != 1 {
			return fmt.Errorf("%d VMs named %s (%v)", len(vms), cloneName, err)
		}
		return nil
	})

	s.check("clone: VmClonedEvent names the clone and its source", func(ctx context.Context) error {
		events, err := event.NewManager(s.c.Client).QueryEvents(ctx, types.EventFilterSpec{EventTypeId: []string{"VmClonedEvent"}})
		if err != nil {
			return err
		}
		for _, e := range events {
			if ce, ok := e.(*types.VmClonedEvent); ok && ce.Vm != nil && ce.Vm.Vm == clone.Reference() &&
				ce.SourceVm.Vm == source.Reference() && ce.SourceVm.Name == "DC0_H0_VM0" {
				return nil
			}
		}
		return fmt.Errorf("no VmClonedEvent for %v among %d", clone.Reference(), len(events))
	})

	s.check("rename: Rename_Task onto a sibling's name fails with DuplicateName; a free name works", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return clone.Rename(ctx, "DC0_H0_VM1") })
		if _, err := taskFault(err, "DuplicateName"); err != nil {
			return err
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return clone.Rename(ctx, cloneName+"-renamed") }); err != nil {
			return err
		}
		found, err := s.vm(ctx, cloneName+"-renamed")
		if err != nil {
			return err
		}
		if found.Reference() != clone.Reference() {
			return fmt.Errorf("renamed path finds %v", found.Reference())
		}
		_, err = runTask(ctx, func(ctx context.Context) (*object.Task, error) { return clone.Rename(ctx, cloneName) })
		return err
	})

	s.check("tasks: TaskInfo of the clone (name, descriptionId, entity, entityName, state, result, times)", func(ctx context.Context) error {
		i := cloneInfo
		if i.Name != "CloneVM_Task" || i.DescriptionId != "VirtualMachine.clone" {
			return fmt.Errorf("name %q descriptionId %q", i.Name, i.DescriptionId)
		}
		if i.Entity == nil || *i.Entity != source.Reference() || i.EntityName != "DC0_H0_VM0" {
			return fmt.Errorf("entity %v entityName %q", i.Entity, i.EntityName)
		}
		if i.State != types.TaskInfoStateSuccess || i.Error != nil {
			return fmt.Errorf("state %s error %v", i.State, i.Error)
		}
		if i.StartTime == nil || i.CompleteTime == nil || i.QueueTime.IsZero() || i.CompleteTime.Before(*i.StartTime) {
			return fmt.Errorf("times queue %v start %v complete %v", i.QueueTime, i.StartTime, i.CompleteTime)
		}
		return nil
	})

	s.check("tasks: TaskManager.recentTask holds the clone task and the power tasks", func(ctx context.Context) error {
		var tm mo.TaskManager
		if err := s.pc.RetrieveOne(ctx, *s.c.ServiceContent.TaskManager, []string{"recentTask"}, &tm); err != nil {
			return err
		}
		if !hasRef(tm.RecentTask, cloneInfo.Task) {
			return fmt.Errorf("clone task %v not among %d recent tasks", cloneInfo.Task, len(tm.RecentTask))
		}
		var tasks []mo.Task
		if err := s.pc.Retrieve(ctx, tm.RecentTask, []string{"info"}, &tasks); err != nil {
			return err
		}
		ids := map[string]bool{}
		for _, t := range tasks {
			ids[t.Info.DescriptionId] = true
			if t.Info.Task != t.Self {
				return fmt.Errorf("info.task %v of %v", t.Info.Task, t.Self)
			}
		}
		for _, want := range []string{"VirtualMachine.clone", "VirtualMachine.powerOn", "VirtualMachine.powerOff", "VirtualMachine.reset", "VirtualMachine.suspend"} {
			if !ids[want] {
				return fmt.Errorf("no %s among recent tasks %v", want, ids)
			}
		}
		return nil
	})

	s.check("tasks: a failed task's info has state error and the fault", func(ctx context.Context) error {
		task, err := clone.PowerOn(ctx)
		if err != nil {
			return err
		}
		_ = task.Wait(ctx)
		var t mo.Task
		if err := s.pc.RetrieveOne(ctx, task.Reference(), []string{"info"}, &t); err != nil {
			return err
		}
		if t.Info.State != types.TaskInfoStateError || t.Info.Error == nil || typeName(t.Info.Error.Fault) != "InvalidPowerState" {
			return fmt.Errorf("state %s error %+v", t.Info.State, t.Info.Error)
		}
		if t.Info.Error.LocalizedMessage == "" {
			return fmt.Errorf("error without localizedMessage")
		}
		return nil
	})

	s.check("destroy: a powered-on VM is refused with task error InvalidPowerState", func(ctx context.Context) error {
		_, err := runTask(ctx, clone.Destroy)
		_, err = taskFault(err, "InvalidPowerState")
		return err
	})

	s.check("destroy: Destroy_Task removes the VM; its moref is ManagedObjectNotFound afterwards", func(ctx context.Context) error {
		if _, err := runTask(ctx, clone.PowerOff); err != nil {
			return err
		}
		if _, err := runTask(ctx, clone.Destroy); err != nil {
			return err
		}
		_, err := s.vm(ctx, cloneName)
		var nf *find.NotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("finder after destroy: %T %v", err, err)
		}
		var m mo.VirtualMachine
		err = s.pc.RetrieveOne(ctx, clone.Reference(), []string{"name"}, &m)
		f, err := soapFault(err, "ManagedObjectNotFound")
		if err != nil {
			return err
		}
		if obj := asValue(f).(types.ManagedObjectNotFound).Obj; obj != clone.Reference() {
			return fmt.Errorf("ManagedObjectNotFound.obj = %v", obj)
		}
		_, err = clone.PowerOn(ctx)
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})

	s.check("destroy: the VM folder's childEntity and the host's vm list no longer hold it", func(ctx context.Context) error {
		var f mo.Folder
		if err := s.pc.RetrieveOne(ctx, s.folders.VmFolder.Reference(), []string{"childEntity"}, &f); err != nil {
			return err
		}
		if hasRef(f.ChildEntity, clone.Reference()) {
			return fmt.Errorf("vm folder still lists %v", clone.Reference())
		}
		host, err := s.finder.HostSystem(ctx, "DC0_H0")
		if err != nil {
			return err
		}
		var h mo.HostSystem
		if err := s.pc.RetrieveOne(ctx, host.Reference(), []string{"vm"}, &h); err != nil {
			return err
		}
		if hasRef(h.Vm, clone.Reference()) {
			return fmt.Errorf("host still lists %v", clone.Reference())
		}
		return nil
	})
}
