package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// virtualDiskChecks make, list, copy, move, extend and delete standalone virtual disks the way
// govc's datastore.disk.create, datastore.ls, datastore.cp, datastore.mv and datastore.rm of a
// .vmdk do: VirtualDiskManager, through Datastore.NewFileManager where govc goes through it.
func (s *suite) virtualDiskChecks() {
	var (
		ds    *object.Datastore
		disks *object.VirtualDiskManager
		files *object.DatastoreFileManager
	)
	const capacityKb = 2048
	diskSpec := func(diskType types.VirtualDiskType) *types.FileBackedVirtualDiskSpec {
		return &types.FileBackedVirtualDiskSpec{
			VirtualDiskSpec: types.VirtualDiskSpec{DiskType: string(diskType), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)},
			CapacityKb:      capacityKb,
		}
	}
	create := func(ctx context.Context, name string) (*types.TaskInfo, error) {
		return runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return disks.CreateVirtualDisk(ctx, name, s.dc, diskSpec(types.VirtualDiskTypeThin))
		})
	}
	browse := func(ctx context.Context, dir string, spec types.HostDatastoreBrowserSearchSpec) (*types.HostDatastoreBrowserSearchResults, error) {
		browser, err := ds.Browser(ctx)
		if err != nil {
			return nil, err
		}
		return searchDatastore(ctx, browser, dir, spec)
	}
	// listedDisk is a disk of a folder as datastore.ls -l lists it (VmDiskFileQuery), or an error.
	listedDisk := func(ctx context.Context, dir, name string) (*types.VmDiskFileInfo, error) {
		query := &types.VmDiskFileQuery{Details: &types.VmDiskFileQueryFlags{DiskType: true, CapacityKb: true, Thin: types.NewBool(true)}}
		res, err := browse(ctx, dir, types.HostDatastoreBrowserSearchSpec{Query: []types.BaseFileQuery{query}})
		if err != nil {
			return nil, err
		}
		for _, f := range res.File {
			if info, ok := f.(*types.VmDiskFileInfo); ok && info.Path == name {
				return info, nil
			}
		}
		return nil, fmt.Errorf("no disk %s in %s: %+v", name, res.FolderPath, res.File)
	}
	wantDisk := func(ctx context.Context, dir, name string, thin bool) error {
		info, err := listedDisk(ctx, dir, name)
		if err != nil {
			return err
		}
		if info.CapacityKb != capacityKb || info.Thin == nil || *info.Thin != thin {
			return fmt.Errorf("%s listed as capacityKb %d thin %v, want %d and %v", name, info.CapacityKb, info.Thin, capacityKb, thin)
		}
		return nil
	}
	wantNoDisk := func(ctx context.Context, dir, name string) error {
		if _, err := listedDisk(ctx, dir, name); err == nil {
			return fmt.Errorf("%s is still in %s", name, dir)
		}
		return nil
	}
	var uuid string

	s.check("datastore.disk.create: CreateVirtualDisk makes a disk, its task answers the path; FileAlreadyExists the second time", func(ctx context.Context) error {
		var err error
		if ds, err = s.finder.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
		disks = object.NewVirtualDiskManager(s.c.Client)
		files = ds.NewFileManager(s.dc, false)
		if err := object.NewFileManager(s.c.Client).MakeDirectory(ctx, "[LocalDS_0] vdisks", s.dc, false); err != nil {
			return err
		}
		info, err := create(ctx, "[LocalDS_0] vdisks/data.vmdk")
		if err != nil {
			return err
		}
		if info.Result != "[LocalDS_0] vdisks/data.vmdk" {
			return fmt.Errorf("task result %#v, want the disk's path", info.Result)
		}
		_, err = create(ctx, "[LocalDS_0] vdisks/data.vmdk")
		_, err = taskFault(err, "FileAlreadyExists")
		return err
	})

	s.check("datastore.ls: SearchDatastore lists the new disk as a VmDiskFileInfo with its capacity, thin", func(ctx context.Context) error {
		return wantDisk(ctx, "[LocalDS_0] vdisks", "data.vmdk", true)
	})

	s.check("QueryVirtualDiskUuid answers the disk's UUID; SetVirtualDiskUuid changes it", func(ctx context.Context) error {
		var err error
		if uuid, err = disks.QueryVirtualDiskUuid(ctx, "[LocalDS_0] vdisks/data.vmdk", s.dc); err != nil {
			return err
		}
		if len(uuid) != 47 {
			return fmt.Errorf("uuid %q, want a descriptor's ddb.uuid", uuid)
		}
		want := "60 00 c2 9a 01 02 03 04-05 06 07 08 09 0a 0b 0c"
		if err := disks.SetVirtualDiskUuid(ctx, "[LocalDS_0] vdisks/data.vmdk", s.dc, want); err != nil {
			return err
		}
		if uuid, err = disks.QueryVirtualDiskUuid(ctx, "[LocalDS_0] vdisks/data.vmdk", s.dc); err != nil {
			return err
		}
		if uuid != want {
			return fmt.Errorf("uuid %q after SetVirtualDiskUuid, want %q", uuid, want)
		}
		_, err = disks.QueryVirtualDiskUuid(ctx, "[LocalDS_0] vdisks/none.vmdk", s.dc)
		_, err = soapFault(err, "FileNotFound")
		return err
	})

	s.check("datastore.cp: CopyVirtualDisk copies the disk (preallocated); FileAlreadyExists onto a disk", func(ctx context.Context) error {
		return inOrder(
			func() error { return files.Copy(ctx, "vdisks/data.vmdk", "vdisks/copy.vmdk") },
			func() error { return wantDisk(ctx, "[LocalDS_0] vdisks", "copy.vmdk", false) },
			func() error { return wantDisk(ctx, "[LocalDS_0] vdisks", "data.vmdk", true) },
			func() error {
				_, err := taskFault(files.Copy(ctx, "vdisks/data.vmdk", "vdisks/copy.vmdk"), "FileAlreadyExists")
				return err
			},
		)
	})

	s.check("datastore.mv: MoveVirtualDisk moves the disk with its UUID; a VM's disk is FileLocked", func(ctx context.Context) error {
		return inOrder(
			func() error { return files.Move(ctx, "vdisks/data.vmdk", "vdisks/moved.vmdk") },
			func() error { return wantNoDisk(ctx, "[LocalDS_0] vdisks", "data.vmdk") },
			func() error { return wantDisk(ctx, "[LocalDS_0] vdisks", "moved.vmdk", true) },
			func() error {
				got, err := disks.QueryVirtualDiskUuid(ctx, "[LocalDS_0] vdisks/moved.vmdk", s.dc)
				if err == nil && got != uuid {
					err = fmt.Errorf("uuid %q after the move, want %q", got, uuid)
				}
				return err
			},
			func() error {
				vmx, err := s.firstVMConfigFile(ctx)
				if err != nil {
					return err
				}
				vmdk := vmx.Path[:len(vmx.Path)-len(".vmx")] + ".vmdk"
				_, err = taskFault(files.Move(ctx, vmdk, "vdisks/stolen.vmdk"), "FileLocked")
				return err
			},
		)
	})

	s.check("ExtendVirtualDisk_Task grows a disk; a smaller capacity is InvalidArgument", func(ctx context.Context) error {
		extend := func(kb int64) error {
			_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
				req := types.ExtendVirtualDisk_Task{This: disks.Reference(), Name: "[LocalDS_0] vdisks/copy.vmdk", Datacenter: types.NewReference(s.dc.Reference()), NewCapacityKb: kb}
				res, err := methods.ExtendVirtualDisk_Task(ctx, s.c.Client, &req)
				if err != nil {
					return nil, err
				}
				return object.NewTask(s.c.Client, res.Returnval), nil
			})
			return err
		}
		return inOrder(
			func() error { return extend(2 * capacityKb) },
			func() error {
				info, err := listedDisk(ctx, "[LocalDS_0] vdisks", "copy.vmdk")
				if err == nil && info.CapacityKb != 2*capacityKb {
					err = fmt.Errorf("capacityKb %d after the extend, want %d", info.CapacityKb, 2*capacityKb)
				}
				return err
			},
			func() error {
				_, err := taskFault(extend(capacityKb), "InvalidArgument")
				return err
			},
		)
	})

	s.check("QueryVirtualDiskGeometry, QueryVirtualDiskFragmentation, DefragmentVirtualDisk_Task; ShrinkVirtualDisk a thin disk only", func(ctx context.Context) error {
		name := func(disk string) string { return "[LocalDS_0] vdisks/" + disk }
		dc := types.NewReference(s.dc.Reference())
		// moved.vmdk is thin, copy.vmdk preallocated (a copy).
		return inOrder(
			func() error {
				res, err := methods.QueryVirtualDiskGeometry(ctx, s.c.Client, &types.QueryVirtualDiskGeometry{This: disks.Reference(), Name: name("moved.vmdk"), Datacenter: dc})
				if err == nil && (res.Returnval.Head != 255 || res.Returnval.Sector != 63 || res.Returnval.Cylinder != capacityKb*1024/(255*63*512)) {
					err = fmt.Errorf("geometry %+v, want 255 heads, 63 sectors", res.Returnval)
				}
				return err
			},
			func() error {
				res, err := methods.QueryVirtualDiskFragmentation(ctx, s.c.Client, &types.QueryVirtualDiskFragmentation{This: disks.Reference(), Name: name("moved.vmdk"), Datacenter: dc})
				if err == nil && res.Returnval != 0 {
					err = fmt.Errorf("fragmentation %d, want 0", res.Returnval)
				}
				return err
			},
			func() error {
				_, err := methods.QueryVirtualDiskGeometry(ctx, s.c.Client, &types.QueryVirtualDiskGeometry{This: disks.Reference(), Name: name("none.vmdk"), Datacenter: dc})
				_, err = soapFault(err, "FileNotFound")
				return err
			},
			func() error {
				_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
					res, err := methods.DefragmentVirtualDisk_Task(ctx, s.c.Client, &types.DefragmentVirtualDisk_Task{This: disks.Reference(), Name: name("copy.vmdk"), Datacenter: dc})
					if err != nil {
						return nil, err
					}
					return object.NewTask(s.c.Client, res.Returnval), nil
				})
				return err
			},
			func() error {
				_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
					return disks.ShrinkVirtualDisk(ctx, name("moved.vmdk"), s.dc, nil)
				})
				return err
			},
			func() error {
				_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
					return disks.ShrinkVirtualDisk(ctx, name("copy.vmdk"), s.dc, types.NewBool(false))
				})
				_, err = taskFault(err, "NotSupported")
				return err
			},
		)
	})

	s.check("datastore.rm: DeleteVirtualDisk removes the disk; FileNotFound when it is gone", func(ctx context.Context) error {
		return inOrder(
			func() error { return files.Delete(ctx, "vdisks/moved.vmdk") },
			func() error { return wantNoDisk(ctx, "[LocalDS_0] vdisks", "moved.vmdk") },
			func() error {
				_, err := taskFault(files.Delete(ctx, "vdisks/moved.vmdk"), "FileNotFound")
				return err
			},
			func() error { return files.Delete(ctx, "vdisks/copy.vmdk") },
			func() error {
				res, err := browse(ctx, "[LocalDS_0] vdisks", types.HostDatastoreBrowserSearchSpec{})
				if err == nil && len(res.File) != 0 {
					err = fmt.Errorf("vdisks still holds %+v", res.File)
				}
				return err
			},
		)
	})
}
