package main

import (
	"context"
	"fmt"
	"io/ioutil"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// registerChecks unregister a VM and register it back, as govc's vm.unregister and vm.register
// do: its files stay on the datastore (datastore.ls, datastore.download), and the VM comes back
// from its .vmx with a new reference, its UUIDs and its disks.
func (s *suite) registerChecks() {
	const name = "gv-registered"
	var (
		pool   *object.ResourcePool
		ds     *object.Datastore
		before mo.VirtualMachine
		vmx    string
		back   *object.VirtualMachine
	)
	diskUUIDs := func(m mo.VirtualMachine) []string {
		var out []string
		for _, d := range m.Config.Hardware.Device {
			if disk, ok := d.(*types.VirtualDisk); ok {
				out = append(out, disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo).Uuid)
			}
		}
		return out
	}

	s.check("vm.unregister: UnregisterVM leaves the .vmx and the disks, which datastore.ls and datastore.download read", func(ctx context.Context) error {
		var err error
		if pool, err = s.finder.ResourcePool(ctx, "/DC0/host/DC0_H0/Resources"); err != nil {
			return err
		}
		if ds, err = s.finder.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
		spec, err := s.createSpec(ctx, name)
		if err != nil {
			return err
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.CreateVM(ctx, spec, pool, nil)
		})
		if err != nil {
			return err
		}
		vm := object.NewVirtualMachine(s.c.Client, asValue(info.Result).(types.ManagedObjectReference))
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config"}, &before); err != nil {
			return err
		}
		vmx = before.Config.Files.VmPathName
		if err := vm.Unregister(ctx); err != nil {
			return err
		}
		browser, err := ds.Browser(ctx)
		if err != nil {
			return err
		}
		res, err := searchDatastore(ctx, browser, vmx[:strings.LastIndex(vmx, "/")], types.HostDatastoreBrowserSearchSpec{})
		if err != nil {
			return err
		}
		var files []string
		for _, f := range res.File {
			files = append(files, f.GetFileInfo().Path)
		}
		if err := sameStrings(files, []string{name + "-flat.vmdk", name + ".vmdk", name + ".vmx"}); err != nil {
			return fmt.Errorf("the files left: %v", err)
		}
		body, _, err := ds.Download(ctx, strings.TrimPrefix(vmx, "[LocalDS_0] "), nil)
		if err != nil {
			return err
		}
		defer body.Close()
		text, err := ioutil.ReadAll(body)
		if err != nil {
			return err
		}
		if !strings.Contains(string(text), `displayName = "`+name+`"`) {
			return fmt.Errorf("the .vmx downloaded: %q", text)
		}
		return nil
	})

	s.check("vm.register: RegisterVM brings the VM back with its UUIDs and disks; AlreadyExists, InvalidArgument", func(ctx context.Context) error {
		if vmx == "" {
			return fmt.Errorf("no VM was unregistered")
		}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.RegisterVM(ctx, vmx, "", true, nil, nil)
		})
		if _, err := taskFault(err, "InvalidArgument"); err != nil {
			return fmt.Errorf("a template without a host: %v", err)
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.RegisterVM(ctx, vmx, "", false, pool, nil)
		})
		if err != nil {
			return err
		}
		back = object.NewVirtualMachine(s.c.Client, asValue(info.Result).(types.ManagedObjectReference))
		var now mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, back.Reference(), []string{"name", "config", "resourcePool"}, &now); err != nil {
			return err
		}
		if now.Name != name || now.Config.Uuid != before.Config.Uuid || now.Config.InstanceUuid != before.Config.InstanceUuid {
			return fmt.Errorf("registered as %q, uuid %s instance %s; want %q, %s, %s", now.Name, now.Config.Uuid,
				now.Config.InstanceUuid, name, before.Config.Uuid, before.Config.InstanceUuid)
		}
		if now.ResourcePool == nil || *now.ResourcePool != pool.Reference() {
			return fmt.Errorf("resourcePool %v, want %v", now.ResourcePool, pool.Reference())
		}
		if err := sameStrings(diskUUIDs(now), diskUUIDs(before)); err != nil {
			return fmt.Errorf("the disks' UUIDs: %v", err)
		}
		_, err = runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.RegisterVM(ctx, vmx, "", false, pool, nil)
		})
		if _, err := taskFault(err, "AlreadyExists"); err != nil {
			return err
		}
		return s.hasEvent(ctx, back.Reference(), "VmRegisteredEvent")
	})

	s.check("reloadVirtualMachineFromPath_Task: a VM reloaded from its own .vmx stays as it is; FileNotFound, AlreadyExists", func(ctx context.Context) error {
		if back == nil {
			return fmt.Errorf("no VM was registered")
		}
		reload := func(path string) error {
			_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
				req := types.ReloadVirtualMachineFromPath_Task{This: back.Reference(), ConfigurationPath: path}
				res, err := methods.ReloadVirtualMachineFromPath_Task(ctx, s.c.Client, &req)
				if err != nil {
					return nil, err
				}
				return object.NewTask(s.c.Client, res.Returnval), nil
			})
			return err
		}
		other, err := s.firstVMConfigFile(ctx)
		if err != nil {
			return err
		}
		return inOrder(
			func() error { return reload(vmx) },
			func() error {
				var now mo.VirtualMachine
				err := s.pc.RetrieveOne(ctx, back.Reference(), []string{"config"}, &now)
				if err == nil && (now.Config.Files.VmPathName != vmx || now.Config.Uuid != before.Config.Uuid) {
					err = fmt.Errorf("reloaded from %s, uuid %s; want %s, %s", now.Config.Files.VmPathName, now.Config.Uuid, vmx, before.Config.Uuid)
				}
				return err
			},
			func() error {
				_, err := taskFault(reload(strings.Replace(vmx, ".vmx", "-none.vmx", 1)), "FileNotFound")
				return err
			},
			func() error {
				_, err := taskFault(reload(other.String()), "AlreadyExists")
				return err
			},
			func() error { return s.hasEvent(ctx, back.Reference(), "VmReloadFromPathEvent") },
		)
	})

	s.check("vm.register: the registered VM powers on, off and is destroyed with its files", func(ctx context.Context) error {
		if back == nil {
			return fmt.Errorf("no VM was registered")
		}
		return inOrder(
			func() error { _, err := runTask(ctx, back.PowerOn); return err },
			func() error { return s.wantPowerState(ctx, back.Reference(), types.VirtualMachinePowerStatePoweredOn) },
			func() error { _, err := runTask(ctx, back.PowerOff); return err },
			func() error { _, err := runTask(ctx, back.Destroy); return err },
		)
	})

	s.check("UnregisterAndDestroy_Task: a VM folder's VMs unregistered, their files left for RegisterVM; a host folder is NotSupported", func(ctx context.Context) error {
		folder, err := s.folders.VmFolder.CreateFolder(ctx, "gv-unregister")
		if err != nil {
			return err
		}
		spec, err := s.createSpec(ctx, "gv-unregistered")
		if err != nil {
			return err
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return folder.CreateVM(ctx, spec, pool, nil) })
		if err != nil {
			return err
		}
		vm := object.NewVirtualMachine(s.c.Client, asValue(info.Result).(types.ManagedObjectReference))
		var made mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.files.vmPathName"}, &made); err != nil {
			return err
		}
		unregisterAndDestroy := func(f *object.Folder) error {
			_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
				res, err := methods.UnregisterAndDestroy_Task(ctx, s.c.Client, &types.UnregisterAndDestroy_Task{This: f.Reference()})
				if err != nil {
					return nil, err
				}
				return object.NewTask(s.c.Client, res.Returnval), nil
			})
			return err
		}
		hosts, err := s.folders.HostFolder.CreateFolder(ctx, "gv-hosts")
		if err != nil {
			return err
		}
		return inOrder(
			func() error { return unregisterAndDestroy(folder) },
			func() error {
				found, err := s.finder.FolderOrDefault(ctx, "/DC0/vm/gv-unregister")
				if err == nil {
					return fmt.Errorf("the folder is still there: %v", found)
				}
				return nil
			},
			func() error {
				info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
					return s.folders.VmFolder.RegisterVM(ctx, made.Config.Files.VmPathName, "", false, pool, nil)
				})
				if err != nil {
					return err
				}
				again := object.NewVirtualMachine(s.c.Client, asValue(info.Result).(types.ManagedObjectReference))
				_, err = runTask(ctx, again.Destroy)
				return err
			},
			func() error {
				_, err := taskFault(unregisterAndDestroy(hosts), "NotSupported")
				return err
			},
			func() error { _, err := runTask(ctx, hosts.Destroy); return err },
		)
	})
}
