package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/vcenter"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ovfDescriptor is a small OVF 1.0 package: one VM with 2 vCPUs, 64 MB and a NIC on "VM Network".
const ovfDescriptor = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References/>
  <NetworkSection>
    <Info>The logical networks</Info>
    <Network ovf:name="VM Network"><Description>The VM Network network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="rest-appliance">
    <Info>A virtual machine</Info>
    <Name>rest-appliance</Name>
    <OperatingSystemSection ovf:id="1" vmw:osType="otherGuest">
      <Info>The guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>rest-appliance</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>2 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>2</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>64MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>64</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>VM Network</rasd:Connection>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`

func (s *suite) libraryChecks() {
	var libID, itemID, sessionID, vmName string
	var dsRef, poolRef, folderRef, netRef types.ManagedObjectReference
	var endpoint *url.URL
	var deployed *types.ManagedObjectReference
	data := []byte(ovfDescriptor)

	s.check("library: the storage and placement targets are found through SOAP", func(ctx context.Context) error {
		var err error
		if dsRef, poolRef, folderRef, err = s.placementTargets(ctx); err != nil {
			return err
		}
		net, err := s.finder.Network(ctx, "/DC0/network/VM Network")
		if err != nil {
			return err
		}
		netRef = net.Reference()
		return nil
	})

	s.check("library: CreateLibrary (LOCAL, backed by a datastore) returns an id", func(ctx context.Context) error {
		id, err := s.lib.CreateLibrary(ctx, library.Library{
			Name:        "rest-lib",
			Description: "images",
			Type:        "LOCAL",
			Storage:     []library.StorageBackings{{DatastoreID: dsRef.Value, Type: "DATASTORE"}},
		})
		if err != nil {
			return err
		}
		if id == "" {
			return fmt.Errorf("empty library id")
		}
		libID = id
		return nil
	})

	s.check("library: GetLibraryByID shows name, type and storage backing", func(ctx context.Context) error {
		l, err := s.lib.GetLibraryByID(ctx, libID)
		if err != nil {
			return err
		}
		if l.ID != libID || l.Name != "rest-lib" || l.Description != "images" || l.Type != "LOCAL" {
			return fmt.Errorf("library = %+v", l)
		}
		if len(l.Storage) != 1 || l.Storage[0].DatastoreID != dsRef.Value || l.Storage[0].Type != "DATASTORE" {
			return fmt.Errorf("storage_backings = %+v", l.Storage)
		}
		if l.CreationTime == nil || l.CreationTime.IsZero() {
			return fmt.Errorf("no creation_time")
		}
		return nil
	})

	s.check("library: ListLibraries, GetLibraryByName and FindLibrary find it", func(ctx context.Context) error {
		ids, err := s.lib.ListLibraries(ctx)
		if err != nil {
			return err
		}
		if !contains(ids, libID) {
			return fmt.Errorf("ListLibraries = %v", ids)
		}
		l, err := s.lib.GetLibraryByName(ctx, "rest-lib")
		if err != nil {
			return err
		}
		if l.ID != libID {
			return fmt.Errorf("GetLibraryByName = %+v", l)
		}
		found, err := s.lib.FindLibrary(ctx, library.Find{Name: "rest-lib"})
		if err != nil {
			return err
		}
		if err := sameSet(found, []string{libID}); err != nil {
			return fmt.Errorf("FindLibrary: %v", err)
		}
		return nil
	})

	s.check("library: GetLibraryByID of an unknown id is 404", func(ctx context.Context) error {
		if err := needs(map[string]bool{"CreateLibrary": libID != ""}); err != nil {
			return err
		}
		_, err := s.lib.GetLibraryByID(ctx, "00000000-0000-0000-0000-000000000000")
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("library: CreateLibraryItem (ovf) returns an id; GetLibraryItem shows it", func(ctx context.Context) error {
		id, err := s.lib.CreateLibraryItem(ctx, library.Item{Name: "rest-appliance", Description: "an appliance", LibraryID: libID, Type: library.ItemTypeOVF})
		if err != nil {
			return err
		}
		itemID = id
		item, err := s.lib.GetLibraryItem(ctx, id)
		if err != nil {
			return err
		}
		if item.ID != id || item.Name != "rest-appliance" || item.LibraryID != libID || item.Type != library.ItemTypeOVF {
			return fmt.Errorf("item = %+v", item)
		}
		return nil
	})

	s.check("library: ListLibraryItems, GetLibraryItems and FindLibraryItems find it", func(ctx context.Context) error {
		ids, err := s.lib.ListLibraryItems(ctx, libID)
		if err != nil {
			return err
		}
		if err := sameSet(ids, []string{itemID}); err != nil {
			return fmt.Errorf("ListLibraryItems: %v", err)
		}
		items, err := s.lib.GetLibraryItems(ctx, libID)
		if err != nil {
			return err
		}
		if len(items) != 1 || items[0].Name != "rest-appliance" {
			return fmt.Errorf("GetLibraryItems = %+v", items)
		}
		found, err := s.lib.FindLibraryItems(ctx, library.FindItem{LibraryID: libID, Name: "rest-appliance"})
		if err != nil {
			return err
		}
		return sameSet(found, []string{itemID})
	})

	s.check("library: a second item with the same name in the library is refused (400 already_exists)", func(ctx context.Context) error {
		_, err := s.lib.CreateLibraryItem(ctx, library.Item{Name: "rest-appliance", LibraryID: libID, Type: library.ItemTypeOVF})
		return wantHTTP(err, http.StatusBadRequest, "already_exists")
	})

	s.check("library: an item in an unknown library is refused (404)", func(ctx context.Context) error {
		if err := needs(map[string]bool{"CreateLibraryItem": itemID != ""}); err != nil {
			return err
		}
		_, err := s.lib.CreateLibraryItem(ctx, library.Item{Name: "lost", LibraryID: "00000000-0000-0000-0000-000000000000", Type: library.ItemTypeOVF})
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("library: CreateLibraryItemUpdateSession; the session is ACTIVE", func(ctx context.Context) error {
		id, err := s.lib.CreateLibraryItemUpdateSession(ctx, library.Session{LibraryItemID: itemID})
		if err != nil {
			return err
		}
		sessionID = id
		us, err := s.lib.GetLibraryItemUpdateSession(ctx, id)
		if err != nil {
			return err
		}
		if us.ID != id || us.LibraryItemID != itemID || us.State != "ACTIVE" {
			return fmt.Errorf("session = %+v", us)
		}
		ids, err := s.lib.ListLibraryItemUpdateSession(ctx)
		if err != nil {
			return err
		}
		if !contains(ids, id) {
			return fmt.Errorf("ListLibraryItemUpdateSession = %v", ids)
		}
		return nil
	})

	s.check("library: AddLibraryItemFile (PUSH) gives an upload endpoint", func(ctx context.Context) error {
		f, err := s.lib.AddLibraryItemFile(ctx, sessionID, library.UpdateFile{Name: "rest-appliance.ovf", SourceType: "PUSH", Size: int64(len(data))})
		if err != nil {
			return err
		}
		if f.UploadEndpoint == nil || f.UploadEndpoint.URI == "" {
			return fmt.Errorf("no upload_endpoint: %+v", f)
		}
		u, err := url.Parse(f.UploadEndpoint.URI)
		if err != nil {
			return err
		}
		if u.Scheme != s.url.Scheme || u.Host != s.url.Host {
			return fmt.Errorf("upload endpoint %s is not on %s://%s", u, s.url.Scheme, s.url.Host)
		}
		endpoint = u
		return nil
	})

	s.check("library: the client's Upload PUTs the bytes to the endpoint", func(ctx context.Context) error {
		p := soap.DefaultUpload
		p.ContentLength = int64(len(data))
		return s.rc.Upload(ctx, bytes.NewReader(data), endpoint, &p)
	})

	s.check("library: GetLibraryItemUpdateSessionFile counts the bytes transferred", func(ctx context.Context) error {
		f, err := s.lib.GetLibraryItemUpdateSessionFile(ctx, sessionID, "rest-appliance.ovf")
		if err != nil {
			return err
		}
		if f.Name != "rest-appliance.ovf" || f.BytesTransferred != int64(len(data)) {
			return fmt.Errorf("file = %+v, want %d bytes transferred", f, len(data))
		}
		return nil
	})

	s.check("library: CompleteLibraryItemUpdateSession; the session leaves ACTIVE without an error", func(ctx context.Context) error {
		if err := s.lib.CompleteLibraryItemUpdateSession(ctx, sessionID); err != nil {
			return err
		}
		if err := s.lib.WaitOnLibraryItemUpdateSession(ctx, sessionID, 50*time.Millisecond, nil); err != nil {
			return err
		}
		us, err := s.lib.GetLibraryItemUpdateSession(ctx, sessionID)
		if err != nil {
			return err
		}
		if us.State != "DONE" {
			return fmt.Errorf("state %s, want DONE", us.State)
		}
		return nil
	})

	s.check("library: ListLibraryItemFiles shows the file with its size; GetLibraryItemFile", func(ctx context.Context) error {
		files, err := s.lib.ListLibraryItemFiles(ctx, itemID)
		if err != nil {
			return err
		}
		if len(files) != 1 || files[0].Name != "rest-appliance.ovf" || files[0].Size == nil || *files[0].Size != int64(len(data)) {
			return fmt.Errorf("files = %+v, want rest-appliance.ovf of %d bytes", files, len(data))
		}
		f, err := s.lib.GetLibraryItemFile(ctx, itemID, "rest-appliance.ovf")
		if err != nil {
			return err
		}
		if f.Size == nil || *f.Size != int64(len(data)) {
			return fmt.Errorf("GetLibraryItemFile = %+v", f)
		}
		item, err := s.lib.GetLibraryItem(ctx, itemID)
		if err != nil {
			return err
		}
		if item.Size != int64(len(data)) {
			return fmt.Errorf("item size %d, want %d", item.Size, len(data))
		}
		return nil
	})

	s.check("ovf: DeployLibraryItem deploys the item as a VM", func(ctx context.Context) error {
		vmName = "rest-ovf-vm"
		ref, err := s.vc.DeployLibraryItem(ctx, itemID, vcenter.Deploy{
			DeploymentSpec: vcenter.DeploymentSpec{
				Name:               vmName,
				AcceptAllEULA:      true,
				DefaultDatastoreID: dsRef.Value,
				NetworkMappings:    []vcenter.NetworkMapping{{Key: "VM Network", Value: netRef.Value}},
			},
			Target: vcenter.Target{ResourcePoolID: poolRef.Value, FolderID: folderRef.Value},
		})
		if err != nil {
			return err
		}
		if ref == nil || ref.Type != "VirtualMachine" || ref.Value == "" {
			return fmt.Errorf("resource_id = %v", ref)
		}
		deployed = ref
		return nil
	})

	s.check("ovf: a SOAP finder finds the deployed VM by name, in the target pool, folder and datastore", func(ctx context.Context) error {
		vm, err := s.finder.VirtualMachine(ctx, "/DC0/vm/"+vmName)
		if err != nil {
			return err
		}
		if vm.Reference() != *deployed {
			return fmt.Errorf("SOAP moref %s, REST resource_id %s", vm.Reference(), deployed)
		}
		var o mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"resourcePool", "parent", "datastore", "network"}, &o); err != nil {
			return err
		}
		if o.ResourcePool == nil || *o.ResourcePool != poolRef {
			return fmt.Errorf("resourcePool = %v, want %s", o.ResourcePool, poolRef)
		}
		if o.Parent == nil || *o.Parent != folderRef {
			return fmt.Errorf("parent = %v, want %s", o.Parent, folderRef)
		}
		if !hasRef(o.Datastore, dsRef) {
			return fmt.Errorf("datastore = %v, want %s", o.Datastore, dsRef)
		}
		if !hasRef(o.Network, netRef) {
			return fmt.Errorf("network = %v, want %s", o.Network, netRef)
		}
		return nil
	})

	s.check("ovf: the deployed VM has the OVF's hardware (2 vCPUs, 64 MB) and is powered off", func(ctx context.Context) error {
		var o mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, *deployed, []string{"config.hardware", "runtime.powerState"}, &o); err != nil {
			return err
		}
		if o.Config == nil || o.Config.Hardware.NumCPU != 2 || o.Config.Hardware.MemoryMB != 64 {
			return fmt.Errorf("config.hardware = %+v", o.Config)
		}
		if o.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			return fmt.Errorf("runtime.powerState = %s", o.Runtime.PowerState)
		}
		return nil
	})

	s.check("ovf: CreateOVF with an activation id; its capture task found by it, as vm-operator finds it", func(ctx context.Context) error {
		if err := needs(map[string]bool{"DeployLibraryItem": deployed != nil}); err != nil {
			return err
		}
		const actID = "rest-capture-1"
		captured, err := s.vc.CreateOVF(s.rc.WithSigner(ctx, activationID(actID)), vcenter.OVF{
			Spec:   vcenter.CreateSpec{Name: "rest-captured", Flags: []string{"EXTRA_CONFIG"}},
			Source: vcenter.ResourceID{Type: "VirtualMachine", Value: deployed.Value},
			Target: vcenter.LibraryTarget{LibraryID: libID},
		})
		if err != nil {
			return err
		}
		vim := s.c.Client
		collector, err := methods.CreateCollectorForTasks(ctx, vim, &types.CreateCollectorForTasks{
			This:   *vim.ServiceContent.TaskManager,
			Filter: types.TaskFilterSpec{ActivationId: []string{actID}},
		})
		if err != nil {
			return err
		}
		defer methods.DestroyCollector(ctx, vim, &types.DestroyCollector{This: collector.Returnval})
		read, err := methods.ReadNextTasks(ctx, vim, &types.ReadNextTasks{This: collector.Returnval, MaxCount: 10})
		if err != nil {
			return err
		}
		if len(read.Returnval) != 1 {
			return fmt.Errorf("%d tasks of activation id %s, want 1", len(read.Returnval), actID)
		}
		task := read.Returnval[0]
		result, ok := task.Result.(types.ManagedObjectReference)
		if task.DescriptionId != "com.vmware.ovfs.LibraryItem.capture" || task.ActivationId != actID ||
			task.State != types.TaskInfoStateSuccess || !ok ||
			result.Type != "ContentLibraryItem" || result.Value != "clibitem-"+captured {
			return fmt.Errorf("task = %s %s %s, result %v, want the capture of %s", task.DescriptionId,
				task.ActivationId, task.State, task.Result, captured)
		}
		return s.lib.DeleteLibraryItem(ctx, &library.Item{ID: captured})
	})

	s.check("ovf: deploying an unknown item is refused (404)", func(ctx context.Context) error {
		if err := needs(map[string]bool{"DeployLibraryItem": deployed != nil}); err != nil {
			return err
		}
		_, err := s.vc.DeployLibraryItem(ctx, "00000000-0000-0000-0000-000000000000", vcenter.Deploy{
			DeploymentSpec: vcenter.DeploymentSpec{Name: "never", AcceptAllEULA: true},
			Target:         vcenter.Target{ResourcePoolID: poolRef.Value},
		})
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("library: SyncLibraryItem holds an on-demand subscribed library's item; a local item's sync is refused", func(ctx context.Context) error {
		published := true
		pubID, err := s.lib.CreateLibrary(ctx, library.Library{
			Name:        "rest-pub",
			Type:        "LOCAL",
			Storage:     []library.StorageBackings{{DatastoreID: dsRef.Value, Type: "DATASTORE"}},
			Publication: &library.Publication{AuthenticationMethod: "NONE", Published: &published},
		})
		if err != nil {
			return err
		}
		localID, err := s.lib.CreateLibraryItem(ctx, library.Item{Name: "pub-item", LibraryID: pubID, Type: "file"})
		if err != nil {
			return err
		}
		pub, err := s.lib.GetLibraryByID(ctx, pubID)
		if err != nil {
			return err
		}
		onDemand := true
		subID, err := s.lib.CreateLibrary(ctx, library.Library{
			Name:    "rest-sub",
			Type:    "SUBSCRIBED",
			Storage: []library.StorageBackings{{DatastoreID: dsRef.Value, Type: "DATASTORE"}},
			Subscription: &library.Subscription{
				AuthenticationMethod: "NONE",
				SubscriptionURL:      pub.Publication.PublishURL,
				OnDemand:             &onDemand,
			},
		})
		if err != nil {
			return err
		}
		ids, err := s.lib.ListLibraryItems(ctx, subID)
		if err != nil || len(ids) != 1 {
			return fmt.Errorf("ListLibraryItems = %v, %v", ids, err)
		}
		item, err := s.lib.GetLibraryItem(ctx, ids[0])
		if err != nil || item.Cached {
			return fmt.Errorf("before the sync: %+v, %v", item, err)
		}
		if err := s.lib.SyncLibraryItem(ctx, item, false); err != nil {
			return err
		}
		if item, err = s.lib.GetLibraryItem(ctx, ids[0]); err != nil || !item.Cached {
			return fmt.Errorf("after the sync: %+v, %v", item, err)
		}
		return wantHTTP(s.lib.SyncLibraryItem(ctx, &library.Item{ID: localID}, false), http.StatusBadRequest, "")
	})

	s.check("library: DeleteLibraryItem; GetLibraryItem is 404", func(ctx context.Context) error {
		if err := s.lib.DeleteLibraryItem(ctx, &library.Item{ID: itemID}); err != nil {
			return err
		}
		_, err := s.lib.GetLibraryItem(ctx, itemID)
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("library: DeleteLibrary; GetLibraryByID is 404 and ListLibraries drops it", func(ctx context.Context) error {
		if err := s.lib.DeleteLibrary(ctx, &library.Library{ID: libID, Type: "LOCAL"}); err != nil {
			return err
		}
		_, err := s.lib.GetLibraryByID(ctx, libID)
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return err
		}
		ids, err := s.lib.ListLibraries(ctx)
		if err != nil {
			return err
		}
		if contains(ids, libID) {
			return fmt.Errorf("ListLibraries = %v", ids)
		}
		return nil
	})
}

// placementTargets finds, through SOAP, where the checks put libraries and VMs: the datastore
// LocalDS_0, the cluster's root pool and the datacenter's VM folder.
func (s *suite) placementTargets(ctx context.Context) (ds, pool, folder types.ManagedObjectReference, err error) {
	d, err := s.finder.Datastore(ctx, "/DC0/datastore/LocalDS_0")
	if err != nil {
		return
	}
	p, err := s.finder.ResourcePool(ctx, "/DC0/host/DC0_C0/Resources")
	if err != nil {
		return
	}
	f, err := s.finder.Folder(ctx, "/DC0/vm")
	if err != nil {
		return
	}
	return d.Reference(), p.Reference(), f.Reference(), nil
}

// activationID names the task a vAPI call spawns, through the header vm-operator sets
// (vapi-ctx-actid); govmomi 0.24.2 adds headers to a REST call only through a Signer.
type activationID string

func (id activationID) SignRequest(req *http.Request) error {
	req.Header.Set("vapi-ctx-actid", string(id))
	return nil
}

func hasRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) bool {
	for _, r := range list {
		if r == ref {
			return true
		}
	}
	return false
}
