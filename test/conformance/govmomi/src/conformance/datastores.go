package main

import (
	"context"
	"fmt"
	"path"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// datastoreChecks browse a datastore as govc's datastore.ls does: the datastore's browser,
// SearchDatastore of a folder, SearchDatastoreSubFolders for -R.
func (s *suite) datastoreChecks() {
	var (
		browser *object.HostDatastoreBrowser
		vmx     object.DatastorePath // a VM's configuration file, read from the VM
	)

	search := func(ctx context.Context, dir string, spec types.HostDatastoreBrowserSearchSpec) (*types.HostDatastoreBrowserSearchResults, error) {
		return searchDatastore(ctx, browser, dir, spec)
	}
	every := types.HostDatastoreBrowserSearchSpec{
		MatchPattern: []string{"*"},
		Details:      &types.FileQueryFlags{FileType: true, FileSize: true, Modification: true, FileOwner: types.NewBool(true)},
	}

	s.check("datastore.ls: Datastore.Browser, then SearchDatastore of the top lists a VM's folder", func(ctx context.Context) error {
		ds, err := s.finder.Datastore(ctx, "LocalDS_0")
		if err != nil {
			return err
		}
		if browser, err = ds.Browser(ctx); err != nil {
			return err
		}
		if vmx, err = s.firstVMConfigFile(ctx); err != nil {
			return err
		}
		if vmx.Datastore != "LocalDS_0" {
			return fmt.Errorf("a VM's configuration file %s is not on LocalDS_0", vmx)
		}
		top, err := search(ctx, "[LocalDS_0]", every)
		if err != nil {
			return err
		}
		if top.Datastore == nil || *top.Datastore != ds.Reference() {
			return fmt.Errorf("datastore %v, want %v", top.Datastore, ds.Reference())
		}
		for _, f := range top.File {
			if folder, ok := f.(*types.FolderFileInfo); ok && folder.Path == path.Dir(vmx.Path) {
				if folder.Owner == "" || folder.Modification == nil {
					return fmt.Errorf("folder %+v lacks the details asked for", folder)
				}
				return nil
			}
		}
		return fmt.Errorf("no folder %q in %+v", path.Dir(vmx.Path), top.File)
	})

	s.check("datastore.ls: a VM's folder holds its .vmx as VmConfigFileInfo and its disk as VmDiskFileInfo", func(ctx context.Context) error {
		folder, err := search(ctx, fmt.Sprintf("[LocalDS_0] %s", path.Dir(vmx.Path)), every)
		if err != nil {
			return err
		}
		var config, disks int
		for _, f := range folder.File {
			switch info := f.(type) {
			case *types.VmConfigFileInfo:
				if info.Path == path.Base(vmx.Path) && info.FileSize > 0 {
					config++
				}
			case *types.VmDiskFileInfo:
				disks++
			}
		}
		if config != 1 || disks == 0 {
			return fmt.Errorf("folder %s: %d config files, %d disks in %+v", folder.FolderPath, config, disks, folder.File)
		}
		return nil
	})

	s.check("datastore.ls -R: SearchDatastoreSubFolders with a VmDiskFileQuery finds disks with their capacity", func(ctx context.Context) error {
		spec := types.HostDatastoreBrowserSearchSpec{
			Query: []types.BaseFileQuery{&types.VmDiskFileQuery{Details: &types.VmDiskFileQueryFlags{CapacityKb: true, DiskType: true}}},
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return browser.SearchDatastoreSubFolders(ctx, "[LocalDS_0]", &spec)
		})
		if err != nil {
			return err
		}
		all, ok := info.Result.(types.ArrayOfHostDatastoreBrowserSearchResults)
		if !ok || len(all.HostDatastoreBrowserSearchResults) < 2 {
			return fmt.Errorf("task result %#v, want results for the top and its folders", info.Result)
		}
		disks := 0
		for _, r := range all.HostDatastoreBrowserSearchResults {
			for _, f := range r.File {
				disk, ok := f.(*types.VmDiskFileInfo)
				if !ok || disk.CapacityKb <= 0 || disk.DiskType == "" {
					return fmt.Errorf("%s: %#v, want a VmDiskFileInfo with capacityKb and diskType", r.FolderPath, f)
				}
				disks++
			}
		}
		if disks == 0 {
			return fmt.Errorf("no disk in %d folders", len(all.HostDatastoreBrowserSearchResults))
		}
		return nil
	})

	s.check("datastore.ls: a folder that is not there ends the search in FileNotFound", func(ctx context.Context) error {
		_, err := search(ctx, "[LocalDS_0] no-such-folder", every)
		_, err = taskFault(err, "FileNotFound")
		return err
	})

	s.check("environment browser: a VM's EnvironmentBrowser describes hardware versions, options and the hosts' datastores", func(ctx context.Context) error {
		vms, err := s.finder.VirtualMachineList(ctx, "/DC0/vm/*")
		if err != nil {
			return err
		}
		var vm mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vms[0].Reference(), []string{"environmentBrowser"}, &vm); err != nil {
			return err
		}
		browser := vm.EnvironmentBrowser
		descriptors, err := methods.QueryConfigOptionDescriptor(ctx, s.c.Client, &types.QueryConfigOptionDescriptor{This: browser})
		if err != nil {
			return err
		}
		var latest string
		for _, d := range descriptors.Returnval {
			if d.DefaultConfigOption != nil && *d.DefaultConfigOption {
				latest = d.Key
			}
		}
		if latest != "vmx-21" || len(descriptors.Returnval) < 2 {
			return fmt.Errorf("descriptors %+v, want vmx-21 the default", descriptors.Returnval)
		}
		option, err := methods.QueryConfigOption(ctx, s.c.Client, &types.QueryConfigOption{This: browser, Key: latest})
		if err != nil {
			return err
		}
		if option.Returnval == nil || option.Returnval.Version != latest || option.Returnval.HardwareOptions.HwVersion != 21 ||
			len(option.Returnval.GuestOSDescriptor) == 0 {
			return fmt.Errorf("config option %+v", option.Returnval)
		}
		target, err := methods.QueryConfigTarget(ctx, s.c.Client, &types.QueryConfigTarget{This: browser})
		if err != nil {
			return err
		}
		for _, ds := range target.Returnval.Datastore {
			if ds.Name == "LocalDS_0" && ds.Datastore.Datastore != nil {
				return nil
			}
		}
		return fmt.Errorf("no LocalDS_0 in the config target's datastores %+v", target.Returnval.Datastore)
	})
}
