package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const createdName = "govmomi-created"

// createSpec is what `govc vm.create` sends: files on a datastore, a pvscsi controller, a
// new disk on it and an e1000 NIC on a network, all with negative (client-chosen) keys.
func (s *suite) createSpec(ctx context.Context, name string) (types.VirtualMachineConfigSpec, error) {
	spec := types.VirtualMachineConfigSpec{
		Name:     name,
		GuestId:  string(types.VirtualMachineGuestOsIdentifierOtherGuest),
		NumCPUs:  1,
		MemoryMB: 32,
		Files:    &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
	}
	ds, err := s.finder.Datastore(ctx, "LocalDS_0")
	if err != nil {
		return spec, err
	}
	net, err := s.finder.Network(ctx, "VM Network")
	if err != nil {
		return spec, err
	}
	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController("pvscsi")
	if err != nil {
		return spec, err
	}
	devices = append(devices, scsi)
	disk := devices.CreateDisk(scsi.(types.BaseVirtualController), ds.Reference(), ds.Path(name+"/"+name+".vmdk"))
	disk.CapacityInKB = 1024 * 1024
	devices = append(devices, disk)
	backing, err := net.EthernetCardBackingInfo(ctx)
	if err != nil {
		return spec, err
	}
	nic, err := devices.CreateEthernetCard("e1000", backing)
	if err != nil {
		return spec, err
	}
	devices = append(devices, nic)
	spec.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	return spec, err
}

func (s *suite) freeSpace(ctx context.Context) (int64, error) {
	ds, err := s.finder.Datastore(ctx, "LocalDS_0")
	if err != nil {
		return 0, err
	}
	var m mo.Datastore
	if err := s.pc.RetrieveOne(ctx, ds.Reference(), []string{"summary.freeSpace"}, &m); err != nil {
		return 0, err
	}
	return m.Summary.FreeSpace, nil
}

func (s *suite) createChecks() {
	var vm *object.VirtualMachine
	var pool *object.ResourcePool
	var vmView *view.ContainerView

	s.check("create: Folder.CreateVM with a config spec (controller, disk, NIC)", func(ctx context.Context) error {
		var err error
		if pool, err = s.finder.ResourcePool(ctx, "/DC0/host/DC0_H0/Resources"); err != nil {
			return err
		}
		// Opened before the VM exists: it must pick the VM up, then drop it again.
		if vmView, err = view.NewManager(s.c.Client).CreateContainerView(ctx, s.folders.VmFolder.Reference(), []string{"VirtualMachine"}, false); err != nil {
			return err
		}
		spec, err := s.createSpec(ctx, createdName)
		if err != nil {
			return err
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.CreateVM(ctx, spec, pool, nil)
		})
		if err != nil {
			return err
		}
		if info.DescriptionId != "Folder.createVm" {
			return fmt.Errorf("descriptionId %q", info.DescriptionId)
		}
		ref, ok := asValue(info.Result).(types.ManagedObjectReference)
		if !ok {
			return fmt.Errorf("task result %T", info.Result)
		}
		vm = object.NewVirtualMachine(s.c.Client, ref)
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, ref, []string{"name", "config", "runtime.powerState", "resourcePool"}, &m); err != nil {
			return err
		}
		if m.Name != createdName || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			return fmt.Errorf("name %q powerState %s", m.Name, m.Runtime.PowerState)
		}
		if m.ResourcePool == nil || *m.ResourcePool != pool.Reference() {
			return fmt.Errorf("resourcePool %v, want %v", m.ResourcePool, pool.Reference())
		}
		if !strings.HasPrefix(m.Config.Files.VmPathName, "[LocalDS_0] "+createdName+"/") {
			return fmt.Errorf("vmPathName %q", m.Config.Files.VmPathName)
		}
		devices := object.VirtualDeviceList(m.Config.Hardware.Device)
		scsi := devices.SelectByType((*types.ParaVirtualSCSIController)(nil))
		disks := devices.SelectByType((*types.VirtualDisk)(nil))
		nics := devices.SelectByType((*types.VirtualE1000)(nil))
		if len(scsi) != 1 || len(disks) != 1 || len(nics) != 1 {
			return fmt.Errorf("%d pvscsi, %d disks, %d e1000", len(scsi), len(disks), len(nics))
		}
		for _, d := range append(append(scsi, disks...), nics...) {
			if d.GetVirtualDevice().Key < 0 {
				return fmt.Errorf("%s kept the client's key %d", typeName(d), d.GetVirtualDevice().Key)
			}
		}
		if disks[0].GetVirtualDevice().ControllerKey != scsi[0].GetVirtualDevice().Key {
			return fmt.Errorf("disk on controller %d, pvscsi is %d", disks[0].GetVirtualDevice().ControllerKey, scsi[0].GetVirtualDevice().Key)
		}
		return nil
	})

	s.check("view: an open container view picks up the created VM", func(ctx context.Context) error {
		return s.viewHolds(ctx, vmView, vm.Reference(), true)
	})

	s.check("folder: CreateFolder, again with the same name -> DuplicateName, Destroy_Task", func(ctx context.Context) error {
		f, err := s.folders.VmFolder.CreateFolder(ctx, "govmomi-folder")
		if err != nil {
			return err
		}
		_, err = s.folders.VmFolder.CreateFolder(ctx, "govmomi-folder")
		f2, err := soapFault(err, "DuplicateName")
		if err != nil {
			return err
		}
		// The fault names the folder that has the name.
		if dn := asValue(f2).(types.DuplicateName); dn.Name != "govmomi-folder" || dn.Object != f.Reference() {
			return fmt.Errorf("DuplicateName = %q on %v, want on %v", dn.Name, dn.Object, f.Reference())
		}
		if _, err := runTask(ctx, f.Destroy); err != nil {
			return err
		}
		_, err = s.finder.Folder(ctx, "/DC0/vm/govmomi-folder")
		if err == nil {
			return fmt.Errorf("the folder is still found after Destroy_Task")
		}
		return nil
	})

	s.check("create: a second CreateVM with the same name fails with task error DuplicateName", func(ctx context.Context) error {
		spec := types.VirtualMachineConfigSpec{Name: createdName, GuestId: "otherGuest", Files: &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"}}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.CreateVM(ctx, spec, pool, nil)
		})
		_, err = anyFault(err, "DuplicateName")
		return err
	})

	s.check("create: a config spec without files is InvalidVmConfig/InvalidArgument", func(ctx context.Context) error {
		spec := types.VirtualMachineConfigSpec{Name: "govmomi-no-files", GuestId: "otherGuest"}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.CreateVM(ctx, spec, pool, nil)
		})
		_, err = anyFault(err, "InvalidVmConfig", "InvalidArgument", "InvalidDatastorePath")
		return err
	})

	s.check("reconfigure: numCPUs and memoryMB", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 2, MemoryMB: 64})
		}); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.hardware.numCPU", "config.hardware.memoryMB", "summary.config.numCpu"}, &m); err != nil {
			return err
		}
		if m.Config.Hardware.NumCPU != 2 || m.Config.Hardware.MemoryMB != 64 || m.Summary.Config.NumCpu != 2 {
			return fmt.Errorf("numCPU %d memoryMB %d summary.config.numCpu %d", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB, m.Summary.Config.NumCpu)
		}
		return nil
	})

	s.check("reconfigure: CPU and memory allocations and latency sensitivity (govc vm.change -cpu.reservation, -mem.shares)", func(ctx context.Context) error {
		reservation, limit := int64(500), int64(2000)
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{
				CpuAllocation:      &types.ResourceAllocationInfo{Reservation: &reservation, Limit: &limit},
				MemoryAllocation:   &types.ResourceAllocationInfo{Shares: &types.SharesInfo{Level: types.SharesLevelHigh}},
				LatencySensitivity: &types.LatencySensitivity{Level: types.LatencySensitivitySensitivityLevelHigh},
			})
		}); err != nil {
			return err
		}
		var m mo.VirtualMachine
		paths := []string{"config.cpuAllocation", "config.memoryAllocation", "config.latencySensitivity", "resourceConfig", "summary.config.cpuReservation"}
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), paths, &m); err != nil {
			return err
		}
		cpu, memory := m.Config.CpuAllocation, m.Config.MemoryAllocation
		// Shares follow the VM's size (2 CPUs, 64 MB): 1000 per CPU at normal, 20 per MB at high.
		if *cpu.Reservation != 500 || *cpu.Limit != 2000 || cpu.Shares.Shares != 2000 || memory.Shares.Level != types.SharesLevelHigh || memory.Shares.Shares != 1280 {
			return fmt.Errorf("cpuAllocation %+v %+v, memoryAllocation shares %+v", *cpu.Reservation, *cpu.Limit, memory.Shares)
		}
		if m.Config.LatencySensitivity.Level != types.LatencySensitivitySensitivityLevelHigh || *m.ResourceConfig.CpuAllocation.Reservation != 500 || m.Summary.Config.CpuReservation != 500 {
			return fmt.Errorf("latencySensitivity %v, resourceConfig %+v, summary.config.cpuReservation %d", m.Config.LatencySensitivity.Level, m.ResourceConfig.CpuAllocation, m.Summary.Config.CpuReservation)
		}
		over := int64(3000)
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{CpuAllocation: &types.ResourceAllocationInfo{Reservation: &over}})
		})
		f, err := taskFault(err, "InvalidArgument")
		if err != nil {
			return err
		}
		if got := f.(*types.InvalidArgument).InvalidProperty; got != "spec.cpuAllocation" {
			return fmt.Errorf("InvalidArgument on %q, want spec.cpuAllocation", got)
		}
		return nil
	})

	s.check("reconfigure: add a disk (govc disk.add): key assigned, datastore freeSpace drops", func(ctx context.Context) error {
		before, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		controller, err := devices.FindDiskController("scsi")
		if err != nil {
			return err
		}
		ds, err := s.finder.Datastore(ctx, "LocalDS_0")
		if err != nil {
			return err
		}
		disk := devices.CreateDisk(controller, ds.Reference(), ds.Path(createdName+"/extra.vmdk"))
		const capacityKB = 10 * 1024 * 1024
		disk.CapacityInKB = capacityKB
		if err := vm.AddDevice(ctx, disk); err != nil {
			return err
		}
		after, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		disks := after.SelectByType((*types.VirtualDisk)(nil))
		if len(disks) != 2 {
			return fmt.Errorf("%d disks after the add, want 2", len(disks))
		}
		var added *types.VirtualDisk
		for _, d := range disks {
			if d.(*types.VirtualDisk).CapacityInKB == capacityKB {
				added = d.(*types.VirtualDisk)
			}
		}
		if added == nil || added.Key < 0 || added.UnitNumber == nil || added.ControllerKey != controller.GetVirtualController().Key {
			return fmt.Errorf("added disk %+v", added)
		}
		if name := after.Name(added); name == "" {
			return fmt.Errorf("no device name for the disk")
		}
		free, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		if free >= before {
			return fmt.Errorf("freeSpace %d -> %d, want a drop", before, free)
		}
		path := fmt.Sprintf("config.hardware.device[%d]", added.Key)
		raw, err := s.props(ctx, vm.Reference(), path)
		if err != nil {
			return err
		}
		if d, ok := asValue(raw[path]).(types.VirtualDisk); !ok || d.CapacityInKB != capacityKB {
			return fmt.Errorf("%s = %T %v", path, raw[path], raw[path])
		}
		return nil
	})

	s.check("reconfigure: remove the added disk (destroy its file): freeSpace rises again", func(ctx context.Context) error {
		before, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		var extra types.BaseVirtualDevice
		for _, d := range devices.SelectByType((*types.VirtualDisk)(nil)) {
			if d.(*types.VirtualDisk).CapacityInKB == 10*1024*1024 {
				extra = d
			}
		}
		if extra == nil {
			return fmt.Errorf("the added disk is not there")
		}
		if err := vm.RemoveDevice(ctx, false, extra); err != nil {
			return err
		}
		after, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		if after.FindByKey(extra.GetVirtualDevice().Key) != nil {
			return fmt.Errorf("disk %d still there", extra.GetVirtualDevice().Key)
		}
		free, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		if free-before < 10*1024*1024*1024 {
			return fmt.Errorf("freeSpace %d -> %d, want a rise of 10 GiB", before, free)
		}
		return nil
	})

	s.check("reconfigure: extraConfig, read back with a keyed path config.extraConfig[\"k\"]", func(ctx context.Context) error {
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
				&types.OptionValue{Key: "guestinfo.govmomi", Value: "conformance"},
			}})
		}); err != nil {
			return err
		}
		path := `config.extraConfig["guestinfo.govmomi"]`
		raw, err := s.props(ctx, vm.Reference(), path)
		if err != nil {
			return err
		}
		ov, ok := asValue(raw[path]).(types.OptionValue)
		if !ok || ov.Key != "guestinfo.govmomi" || asValue(ov.Value) != "conformance" {
			return fmt.Errorf("%s = %T %+v", path, raw[path], raw[path])
		}
		return nil
	})

	s.check("reconfigure: vAppConfig properties added, edited and removed, read back from config.vAppConfig.property", func(ctx context.Context) error {
		vApp := func(props ...types.VAppPropertySpec) func(ctx context.Context) (*object.Task, error) {
			return func(ctx context.Context) (*object.Task, error) {
				return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{VAppConfig: &types.VmConfigSpec{Property: props}})
			}
		}
		op := func(operation types.ArrayUpdateOperation, info *types.VAppPropertyInfo) types.VAppPropertySpec {
			return types.VAppPropertySpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: operation}, Info: info}
		}
		configurable := true
		if _, err := runTask(ctx, vApp(
			op(types.ArrayUpdateOperationAdd, &types.VAppPropertyInfo{Key: 0, Id: "role", Type: "string", UserConfigurable: &configurable, DefaultValue: "web"}),
			op(types.ArrayUpdateOperationAdd, &types.VAppPropertyInfo{Key: 1, Id: "debug", Type: "boolean"}),
		)); err != nil {
			return err
		}
		remove := types.VAppPropertySpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationRemove, RemoveKey: int32(1)}}
		if _, err := runTask(ctx, vApp(op(types.ArrayUpdateOperationEdit, &types.VAppPropertyInfo{Key: 0, Value: "db"}), remove)); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.vAppConfig"}, &m); err != nil {
			return err
		}
		if m.Config == nil || m.Config.VAppConfig == nil {
			return fmt.Errorf("config.vAppConfig unset")
		}
		props := m.Config.VAppConfig.GetVmConfigInfo().Property
		if len(props) != 1 || props[0].Key != 0 || props[0].Id != "role" || props[0].Value != "db" ||
			props[0].DefaultValue != "web" || props[0].UserConfigurable == nil || !*props[0].UserConfigurable {
			return fmt.Errorf("config.vAppConfig.property = %+v", props)
		}
		_, err := runTask(ctx, vApp(op(types.ArrayUpdateOperationEdit, &types.VAppPropertyInfo{Key: 7, Value: "x"})))
		_, err = anyFault(err, "InvalidArgument")
		return err
	})

	s.check("reconfigure: a floppy added as govc device.floppy.add adds it is labelled as vCenter labels it", func(ctx context.Context) error {
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		floppy, err := devices.CreateFloppy()
		if err != nil {
			return err
		}
		if err := vm.AddDevice(ctx, floppy); err != nil {
			return err
		}
		if devices, err = vm.Device(ctx); err != nil {
			return err
		}
		floppies := devices.SelectByType((*types.VirtualFloppy)(nil))
		if len(floppies) != 1 {
			return fmt.Errorf("%d floppies after AddDevice", len(floppies))
		}
		info := floppies[0].GetVirtualDevice().DeviceInfo
		if info == nil || info.GetDescription().Label != "Floppy drive 1" {
			return fmt.Errorf("deviceInfo %+v, want the label Floppy drive 1", info)
		}
		return vm.RemoveDevice(ctx, false, floppies[0])
	})

	s.check("reconfigure: a bad spec (numCPUs -1) fails with InvalidArgument/InvalidVmConfig and changes nothing", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: -1, MemoryMB: 128})
		})
		f, err := anyFault(err, "InvalidArgument", "InvalidVmConfig")
		if err != nil {
			return err
		}
		if ia, ok := asValue(f).(types.InvalidArgument); ok && ia.InvalidProperty == "" {
			return fmt.Errorf("InvalidArgument without invalidProperty")
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.hardware"}, &m); err != nil {
			return err
		}
		if m.Config.Hardware.NumCPU != 2 || m.Config.Hardware.MemoryMB != 64 {
			return fmt.Errorf("the failed reconfigure changed the VM: %d CPUs %d MB", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB)
		}
		return nil
	})

	s.check("reconfigure: VmReconfiguredEvent is posted", func(ctx context.Context) error {
		return s.hasEvent(ctx, vm.Reference(), "VmReconfiguredEvent")
	})

	s.check("template: MarkAsTemplate, then PowerOn fails with InvalidState", func(ctx context.Context) error {
		if err := vm.MarkAsTemplate(ctx); err != nil {
			return err
		}
		if tmpl, err := vm.IsTemplate(ctx); err != nil || !tmpl {
			return fmt.Errorf("config.template %v %v", tmpl, err)
		}
		_, err := runTask(ctx, vm.PowerOn)
		_, err = anyFault(err, "InvalidState")
		return err
	})

	s.check("template: Destroy_Task removes the template and frees its disks", func(ctx context.Context) error {
		before, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		if _, err := runTask(ctx, vm.Destroy); err != nil {
			return err
		}
		free, err := s.freeSpace(ctx)
		if err != nil {
			return err
		}
		if free <= before {
			return fmt.Errorf("freeSpace %d -> %d, want a rise", before, free)
		}
		var m mo.VirtualMachine
		err = s.pc.RetrieveOne(ctx, vm.Reference(), []string{"name"}, &m)
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})

	s.check("view: the open container view drops the destroyed VM", func(ctx context.Context) error {
		defer vmView.Destroy(ctx)
		return s.viewHolds(ctx, vmView, vm.Reference(), false)
	})
}

// viewHolds checks whether a view's `view` property lists `ref`.
func (s *suite) viewHolds(ctx context.Context, v *view.ContainerView, ref types.ManagedObjectReference, want bool) error {
	var m mo.ContainerView
	if err := s.pc.RetrieveOne(ctx, v.Reference(), []string{"view"}, &m); err != nil {
		return err
	}
	if hasRef(m.View, ref) != want {
		return fmt.Errorf("view lists %d objects; %v listed: %v, want %v", len(m.View), ref, !want, want)
	}
	return nil
}

// hasEvent says whether QueryEvents has an event of `kind` about `ref`.
func (s *suite) hasEvent(ctx context.Context, ref types.ManagedObjectReference, kind string) error {
	events, err := s.queryEvents(ctx, ref)
	if err != nil {
		return err
	}
	var seen []string
	for _, e := range events {
		if typeName(e) == kind {
			return nil
		}
		seen = append(seen, typeName(e))
	}
	return fmt.Errorf("no %s among %v", kind, seen)
}
