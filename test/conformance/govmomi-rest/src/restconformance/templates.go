package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/vcenter"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// templateInfo is the part of vcenter.vm_template.LibraryItems.Info read here; govmomi
// 0.24.2's vcenter.TemplateInfo has only the guest, and no call to fetch it.
type templateInfo struct {
	GuestOS string `json:"guest_OS"`
	CPU     struct {
		Count int `json:"count"`
	} `json:"cpu"`
	Memory struct {
		SizeMiB int `json:"size_MiB"`
	} `json:"memory"`
	VMTemplate string `json:"vm_template"`
}

// templateChecks drives vcenter.vm_template.LibraryItems as govc's library.clone (without
// -ovf) and library.deploy of a vm-template item do: a VM captured as a template item, the
// template read, a VM deployed from it, and the item's deletion taking its template VM along.
func (s *suite) templateChecks() {
	var libID, itemID string
	var sourceRef, poolRef, folderRef, dsRef, templateRef types.ManagedObjectReference
	var deployed *types.ManagedObjectReference

	s.check("vm-template: the source VM, pool, folder and datastore are found through SOAP; a library for templates", func(ctx context.Context) error {
		vm, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
		if err != nil {
			return err
		}
		sourceRef = vm.Reference()
		if dsRef, poolRef, folderRef, err = s.placementTargets(ctx); err != nil {
			return err
		}
		libID, err = s.lib.CreateLibrary(ctx, library.Library{
			Name:    "rest-templates",
			Type:    "LOCAL",
			Storage: []library.StorageBackings{{DatastoreID: dsRef.Value, Type: "DATASTORE"}},
		})
		return err
	})

	s.check("vm-template: CreateTemplate captures the VM as a vm-template item", func(ctx context.Context) error {
		id, err := s.vc.CreateTemplate(ctx, vcenter.Template{
			Name:        "rest-golden",
			Description: "captured",
			Library:     libID,
			SourceVM:    sourceRef.Value,
		})
		if err != nil {
			return err
		}
		item, err := s.lib.GetLibraryItem(ctx, id)
		if err != nil {
			return err
		}
		if item.Type != "vm-template" || item.Name != "rest-golden" || item.LibraryID != libID {
			return fmt.Errorf("item = %s %s in %s, want vm-template rest-golden in %s", item.Type, item.Name, item.LibraryID, libID)
		}
		itemID = id
		return nil
	})

	s.check("vm-template: the item's Info names a template VM that SOAP sees as a template, with the source's hardware", func(ctx context.Context) error {
		var info templateInfo
		url := s.rc.Resource("/vcenter/vm-template/library-items/" + itemID)
		if err := s.rc.Do(ctx, url.Request(http.MethodGet), &info); err != nil {
			return err
		}
		var source, template mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, sourceRef, []string{"config.hardware"}, &source); err != nil {
			return err
		}
		templateRef = types.ManagedObjectReference{Type: "VirtualMachine", Value: info.VMTemplate}
		if err := s.pc.RetrieveOne(ctx, templateRef, []string{"name", "config.template", "config.hardware"}, &template); err != nil {
			return err
		}
		if template.Name != "rest-golden" || !template.Config.Template {
			return fmt.Errorf("template VM %s: name %q, template %v", info.VMTemplate, template.Name, template.Config.Template)
		}
		hw := source.Config.Hardware
		if info.GuestOS == "" || info.CPU.Count != int(hw.NumCPU) || info.Memory.SizeMiB != int(hw.MemoryMB) {
			return fmt.Errorf("info = %+v, want %d CPUs, %d MiB", info, hw.NumCPU, hw.MemoryMB)
		}
		return nil
	})

	s.check("vm-template: DeployTemplateLibraryItem deploys a powered-on VM that SOAP finds in the pool and folder", func(ctx context.Context) error {
		ref, err := s.vc.DeployTemplateLibraryItem(ctx, itemID, vcenter.DeployTemplate{
			Name:      "rest-from-template",
			Placement: &vcenter.Placement{ResourcePool: poolRef.Value, Folder: folderRef.Value},
			PoweredOn: true,
		})
		if err != nil {
			return err
		}
		vm, err := s.finder.VirtualMachine(ctx, "/DC0/vm/rest-from-template")
		if err != nil {
			return err
		}
		if vm.Reference() != *ref {
			return fmt.Errorf("SOAP moref %s, REST %s", vm.Reference(), ref)
		}
		var o mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, *ref, []string{"resourcePool", "config.template", "runtime.powerState"}, &o); err != nil {
			return err
		}
		if o.ResourcePool == nil || *o.ResourcePool != poolRef || o.Config.Template ||
			o.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return fmt.Errorf("pool %v, template %v, power %s", o.ResourcePool, o.Config.Template, o.Runtime.PowerState)
		}
		deployed = ref
		return nil
	})

	s.check("vm-template: a taken item name is 400 already_exists, an unknown VM or item 404", func(ctx context.Context) error {
		if err := needs(map[string]bool{"DeployTemplateLibraryItem": deployed != nil}); err != nil {
			return err
		}
		_, err := s.vc.CreateTemplate(ctx, vcenter.Template{Name: "rest-golden", Library: libID, SourceVM: sourceRef.Value})
		if err := wantHTTP(err, http.StatusBadRequest, "already_exists"); err != nil {
			return err
		}
		_, err = s.vc.CreateTemplate(ctx, vcenter.Template{Name: "never", Library: libID, SourceVM: "vm-404"})
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return err
		}
		_, err = s.vc.DeployTemplateLibraryItem(ctx, "00000000-0000-0000-0000-000000000000", vcenter.DeployTemplate{
			Name:      "never",
			Placement: &vcenter.Placement{ResourcePool: poolRef.Value},
		})
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("vm-template: DeleteLibraryItem removes the template VM; the deployed VM stays", func(ctx context.Context) error {
		if err := needs(map[string]bool{"DeployTemplateLibraryItem": deployed != nil}); err != nil {
			return err
		}
		if err := s.lib.DeleteLibraryItem(ctx, &library.Item{ID: itemID}); err != nil {
			return err
		}
		if _, err := s.finder.VirtualMachine(ctx, "/DC0/vm/rest-golden"); err == nil {
			return fmt.Errorf("the template VM %s is still in the inventory", templateRef)
		}
		if _, err := s.finder.VirtualMachine(ctx, "/DC0/vm/rest-from-template"); err != nil {
			return err
		}
		return s.lib.DeleteLibrary(ctx, &library.Library{ID: libID, Type: "LOCAL"})
	})
}
