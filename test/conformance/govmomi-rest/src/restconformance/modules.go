package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/vmware/govmomi/vapi/cluster"
	"github.com/vmware/govmomi/vim25/types"
)

// vCenter's cluster module ids are UUIDs.
var moduleUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func hasModule(list []cluster.ModuleSummary, want cluster.ModuleSummary) bool {
	for _, m := range list {
		if m == want {
			return true
		}
	}
	return false
}

// clusterModuleChecks drives vapi/cluster the way vm-operator keeps its anti-affinity groups:
// a module on the cluster, a VM of the cluster added (once), removed, and the module deleted.
func (s *suite) clusterModuleChecks() {
	var modules *cluster.Manager
	var clusterRef, member, outsider, host types.ManagedObjectReference
	var moduleID string
	var deleted bool
	// The module's members are exactly these.
	membersAre := func(ctx context.Context, want ...types.ManagedObjectReference) error {
		refs, err := modules.ListModuleMembers(ctx, moduleID)
		if err != nil {
			return err
		}
		if fmt.Sprint(refs) != fmt.Sprint(want) {
			return fmt.Errorf("ListModuleMembers = %v, want %v", refs, want)
		}
		return nil
	}

	s.check("cluster modules: the cluster, a VM of it, a VM outside it and a host are found through SOAP", func(ctx context.Context) error {
		c, err := s.finder.ClusterComputeResource(ctx, "/DC0/host/DC0_C0")
		if err != nil {
			return err
		}
		in, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_C0_RP0_VM0")
		if err != nil {
			return err
		}
		out, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
		if err != nil {
			return err
		}
		h, err := s.finder.HostSystem(ctx, "/DC0/host/DC0_C0/DC0_C0_H0")
		if err != nil {
			return err
		}
		clusterRef, member, outsider, host = c.Reference(), in.Reference(), out.Reference(), h.Reference()
		modules = cluster.NewManager(s.rc)
		return nil
	})

	s.check("cluster modules: CreateModule on the cluster returns a UUID", func(ctx context.Context) error {
		id, err := modules.CreateModule(ctx, clusterRef)
		if err != nil {
			return err
		}
		if !moduleUUID.MatchString(id) {
			return fmt.Errorf("module id %q, want a UUID", id)
		}
		moduleID = id
		return nil
	})

	s.check("cluster modules: ListModules has the module on its cluster", func(ctx context.Context) error {
		list, err := modules.ListModules(ctx)
		if err != nil {
			return err
		}
		if !hasModule(list, cluster.ModuleSummary{Cluster: clusterRef.Value, Module: moduleID}) {
			return fmt.Errorf("ListModules = %+v, want module %s on %s", list, moduleID, clusterRef.Value)
		}
		return nil
	})

	s.check("cluster modules: AddModuleMembers with a VM of the cluster is true; ListModuleMembers shows it", func(ctx context.Context) error {
		ok, err := modules.AddModuleMembers(ctx, moduleID, member)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("AddModuleMembers = false")
		}
		return membersAre(ctx, member)
	})

	s.check("cluster modules: adding the same VM again is false, and the members stay", func(ctx context.Context) error {
		ok, err := modules.AddModuleMembers(ctx, moduleID, member)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("a second AddModuleMembers = true")
		}
		return membersAre(ctx, member)
	})

	s.check("cluster modules: AddModuleMembers with a VM outside the cluster is false", func(ctx context.Context) error {
		ok, err := modules.AddModuleMembers(ctx, moduleID, outsider)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("AddModuleMembers(%v) = true", outsider)
		}
		return membersAre(ctx, member)
	})

	s.check("cluster modules: RemoveModuleMembers is true, then false once the VM is no member", func(ctx context.Context) error {
		ok, err := modules.RemoveModuleMembers(ctx, moduleID, member)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("RemoveModuleMembers = false")
		}
		if err := membersAre(ctx); err != nil {
			return err
		}
		ok, err = modules.RemoveModuleMembers(ctx, moduleID, member)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("a second RemoveModuleMembers = true")
		}
		return nil
	})

	s.check("cluster modules: DeleteModule; ListModules no longer has it", func(ctx context.Context) error {
		if err := modules.DeleteModule(ctx, moduleID); err != nil {
			return err
		}
		list, err := modules.ListModules(ctx)
		if err != nil {
			return err
		}
		if hasModule(list, cluster.ModuleSummary{Cluster: clusterRef.Value, Module: moduleID}) {
			return fmt.Errorf("ListModules after delete = %+v", list)
		}
		deleted = true
		return nil
	})

	s.check("cluster modules: a deleted module's members and a second delete are 404", func(ctx context.Context) error {
		if err := needs(map[string]bool{"ListModuleMembers": moduleID != "", "DeleteModule": deleted}); err != nil {
			return err
		}
		_, err := modules.ListModuleMembers(ctx, moduleID)
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return fmt.Errorf("ListModuleMembers: %v", err)
		}
		return wantHTTP(modules.DeleteModule(ctx, moduleID), http.StatusNotFound, "")
	})

	s.check("cluster modules: CreateModule on a host or an unknown id is 400 invalid_argument", func(ctx context.Context) error {
		if err := needs(map[string]bool{"CreateModule": moduleID != ""}); err != nil {
			return err
		}
		_, err := modules.CreateModule(ctx, host)
		if err := wantHTTP(err, http.StatusBadRequest, "invalid_argument"); err != nil {
			return fmt.Errorf("on a host: %v", err)
		}
		unknown := types.ManagedObjectReference{Type: "ClusterComputeResource", Value: "domain-c999999"}
		_, err = modules.CreateModule(ctx, unknown)
		if err := wantHTTP(err, http.StatusBadRequest, "invalid_argument"); err != nil {
			return fmt.Errorf("on an unknown id: %v", err)
		}
		return nil
	})
}
