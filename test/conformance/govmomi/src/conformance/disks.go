package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vslm"
)

// attachedDisk is the VM's VirtualDisk that is the First Class Disk `id`, or nil.
func (s *suite) attachedDisk(ctx context.Context, vm *object.VirtualMachine, id string) (*types.VirtualDisk, error) {
	var m mo.VirtualMachine
	if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.hardware.device"}, &m); err != nil {
		return nil, err
	}
	for _, d := range m.Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok && disk.VDiskId != nil && disk.VDiskId.Id == id {
			return disk, nil
		}
	}
	return nil, nil
}

// diskChecks drive First Class Disks as govc's disk.* commands do: vslm's object manager, and
// the VM's AttachDisk/DetachDisk; the control flags by their methods.
func (s *suite) diskChecks() {
	var (
		m   *vslm.ObjectManager
		ds  *object.Datastore
		vm  *object.VirtualMachine
		id  string
		obj *types.VStorageObject
	)

	s.check("disks: CreateDisk makes a First Class Disk in fcd/ on the datastore", func(ctx context.Context) error {
		var err error
		if ds, err = s.finder.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
		m = vslm.NewObjectManager(s.c.Client)
		spec := types.VslmCreateSpec{
			Name:              "conformance-disk",
			CapacityInMB:      512,
			KeepAfterDeleteVm: types.NewBool(true),
			BackingSpec: &types.VslmCreateSpecDiskFileBackingSpec{
				VslmCreateSpecBackingSpec: types.VslmCreateSpecBackingSpec{Datastore: ds.Reference()},
				ProvisioningType:          string(types.BaseConfigInfoDiskFileBackingInfoProvisioningTypeThin),
			},
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return m.CreateDisk(ctx, spec) })
		if err != nil {
			return err
		}
		created, ok := info.Result.(types.VStorageObject)
		if !ok {
			return fmt.Errorf("task result %#v, want a VStorageObject", info.Result)
		}
		obj = &created
		id = obj.Config.Id.Id
		backing, ok := obj.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo)
		if !ok || !strings.HasPrefix(backing.FilePath, "[LocalDS_0] fcd/") || backing.Datastore != ds.Reference() {
			return fmt.Errorf("backing %#v", obj.Config.Backing)
		}
		if obj.Config.Name != "conformance-disk" || obj.Config.CapacityInMB != 512 || id == "" {
			return fmt.Errorf("config %+v", obj.Config)
		}
		return nil
	})

	s.check("disks: ListVStorageObject lists it and RetrieveVStorageObject reads it back", func(ctx context.Context) error {
		ids, err := m.List(ctx, ds)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0].Id != id {
			return fmt.Errorf("list %v, want [%s]", ids, id)
		}
		got, err := m.Retrieve(ctx, ds, id)
		if err != nil {
			return err
		}
		if got.Config.Name != obj.Config.Name || got.Config.KeepAfterDeleteVm == nil || !*got.Config.KeepAfterDeleteVm {
			return fmt.Errorf("retrieved %+v", got.Config)
		}
		return nil
	})

	s.check("disks: AttachDisk adds a VirtualDisk with the disk's id; the disk names the VM as its consumer", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_H0_VM0"); err != nil {
			return err
		}
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		scsi, err := devices.FindSCSIController("")
		if err != nil {
			return err
		}
		if err := vm.AttachDisk(ctx, id, ds, scsi.Key, 1); err != nil {
			return err
		}
		disk, err := s.attachedDisk(ctx, vm, id)
		if err != nil {
			return err
		}
		if disk == nil || disk.ControllerKey != scsi.Key || disk.UnitNumber == nil || *disk.UnitNumber != 1 || disk.CapacityInKB != 512*1024 {
			return fmt.Errorf("attached disk %+v", disk)
		}
		got, err := m.Retrieve(ctx, ds, id)
		if err != nil {
			return err
		}
		if len(got.Config.ConsumerId) != 1 {
			return fmt.Errorf("consumerId %v, want the VM", got.Config.ConsumerId)
		}
		return nil
	})

	s.check("disks: RenameVStorageObject renames it", func(ctx context.Context) error {
		if err := m.Rename(ctx, ds, id, "conformance-renamed"); err != nil {
			return err
		}
		got, err := m.Retrieve(ctx, ds, id)
		if err != nil {
			return err
		}
		if got.Config.Name != "conformance-renamed" {
			return fmt.Errorf("name %q after rename", got.Config.Name)
		}
		return nil
	})

	s.check("disks: an attached disk cannot be deleted (InvalidState)", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return m.Delete(ctx, ds, id) })
		_, err = taskFault(err, "InvalidState")
		return err
	})

	s.check("disks: DetachDisk removes the device and keeps the disk; DeleteVStorageObject then deletes it", func(ctx context.Context) error {
		if err := vm.DetachDisk(ctx, id); err != nil {
			return err
		}
		if disk, err := s.attachedDisk(ctx, vm, id); err != nil || disk != nil {
			return fmt.Errorf("after detach: device %+v, err %v", disk, err)
		}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return m.Delete(ctx, ds, id) }); err != nil {
			return err
		}
		ids, err := m.List(ctx, ds)
		if err != nil || len(ids) != 0 {
			return fmt.Errorf("list after delete %v, err %v", ids, err)
		}
		_, err = m.Retrieve(ctx, ds, id)
		_, err = soapFault(err, "NotFound")
		return err
	})

	var registered string
	s.check("disks: RegisterDisk (govc disk.register) makes a VM's disk a First Class Disk, attached, its UUID and the datastore's free space kept", func(ctx context.Context) error {
		other, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		devices, err := other.Device(ctx)
		if err != nil {
			return err
		}
		disks := devices.SelectByType((*types.VirtualDisk)(nil))
		if len(disks) == 0 {
			return fmt.Errorf("DC0_H0_VM1 has no disk")
		}
		disk := disks[0].(*types.VirtualDisk)
		backing := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		var path object.DatastorePath
		if !path.FromString(backing.FileName) || path.Datastore != ds.Name() {
			return fmt.Errorf("disk file %q is not on %s", backing.FileName, ds.Name())
		}
		var before mo.Datastore
		if err := s.pc.RetrieveOne(ctx, ds.Reference(), []string{"summary.freeSpace"}, &before); err != nil {
			return err
		}
		obj, err := m.RegisterDisk(ctx, ds.NewURL(path.Path).String(), "conformance-registered")
		if err != nil {
			return err
		}
		registered = obj.Config.Id.Id
		fileBacking, ok := obj.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo)
		if !ok || fileBacking.FilePath != backing.FileName || obj.Config.Name != "conformance-registered" || obj.Config.CapacityInMB != disk.CapacityInKB/1024 {
			return fmt.Errorf("registered %+v, backing %#v", obj.Config, obj.Config.Backing)
		}
		if len(obj.Config.ConsumerId) != 1 {
			return fmt.Errorf("consumerId %v, want the VM", obj.Config.ConsumerId)
		}
		attached, err := s.attachedDisk(ctx, other, registered)
		if err != nil {
			return err
		}
		if attached == nil || attached.Key != disk.Key || attached.Backing.(*types.VirtualDiskFlatVer2BackingInfo).Uuid != backing.Uuid {
			return fmt.Errorf("device after register %+v", attached)
		}
		var after mo.Datastore
		if err := s.pc.RetrieveOne(ctx, ds.Reference(), []string{"summary.freeSpace"}, &after); err != nil {
			return err
		}
		if after.Summary.FreeSpace != before.Summary.FreeSpace {
			return fmt.Errorf("freeSpace %d after register, %d before", after.Summary.FreeSpace, before.Summary.FreeSpace)
		}
		_, err = m.RegisterDisk(ctx, ds.NewURL(path.Path).String(), "")
		_, err = soapFault(err, "AlreadyExists")
		return err
	})

	s.check("disks: RegisterDisk of a datastore path is InvalidArgument, of a file that is no disk FileNotFound", func(ctx context.Context) error {
		_, err := m.RegisterDisk(ctx, "[LocalDS_0] DC0_H0_VM1/disk1.vmdk", "")
		if _, err := soapFault(err, "InvalidArgument"); err != nil {
			return err
		}
		_, err = m.RegisterDisk(ctx, ds.NewURL("DC0_H0_VM1/DC0_H0_VM1.vmx").String(), "")
		_, err = soapFault(err, "FileNotFound")
		return err
	})

	s.check("disks: Set/ClearVStorageObjectControlFlags set and clear keepAfterDeleteVm and disableRelocation", func(ctx context.Context) error {
		flags := func(set bool, names ...types.VslmVStorageObjectControlFlag) error {
			var list []string
			for _, n := range names {
				list = append(list, string(n))
			}
			dsRef := ds.Reference()
			this := m.Reference()
			if set {
				_, err := methods.SetVStorageObjectControlFlags(ctx, s.c.Client, &types.SetVStorageObjectControlFlags{This: this, Id: types.ID{Id: registered}, Datastore: dsRef, ControlFlags: list})
				return err
			}
			_, err := methods.ClearVStorageObjectControlFlags(ctx, s.c.Client, &types.ClearVStorageObjectControlFlags{This: this, Id: types.ID{Id: registered}, Datastore: dsRef, ControlFlags: list})
			return err
		}
		if err := flags(true, types.VslmVStorageObjectControlFlagDisableRelocation); err != nil {
			return err
		}
		if err := flags(false, types.VslmVStorageObjectControlFlagKeepAfterDeleteVm); err != nil {
			return err
		}
		got, err := m.Retrieve(ctx, ds, registered)
		if err != nil {
			return err
		}
		c := got.Config
		if c.KeepAfterDeleteVm == nil || *c.KeepAfterDeleteVm || c.RelocationDisabled == nil || !*c.RelocationDisabled {
			return fmt.Errorf("keepAfterDeleteVm %v, relocationDisabled %v", c.KeepAfterDeleteVm, c.RelocationDisabled)
		}
		if err := flags(false, types.VslmVStorageObjectControlFlagDisableRelocation); err != nil {
			return err
		}
		if err := flags(true, types.VslmVStorageObjectControlFlagKeepAfterDeleteVm); err != nil {
			return err
		}
		if got, err = m.Retrieve(ctx, ds, registered); err != nil {
			return err
		}
		c = got.Config
		if c.KeepAfterDeleteVm == nil || !*c.KeepAfterDeleteVm || c.RelocationDisabled == nil || *c.RelocationDisabled {
			return fmt.Errorf("keepAfterDeleteVm %v, relocationDisabled %v after clearing", c.KeepAfterDeleteVm, c.RelocationDisabled)
		}
		return nil
	})
}
