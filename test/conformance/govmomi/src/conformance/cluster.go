package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// clusterChecks drive a cluster's groups and rules as govc's cluster.group.* and cluster.rule.*
// and Cluster API Provider vSphere do: ReconfigureComputeResource_Task, read back through
// configurationEx.
func (s *suite) clusterChecks() {
	var cluster *object.ClusterComputeResource
	var vms []types.ManagedObjectReference
	var host types.ManagedObjectReference
	reconfigure := func(ctx context.Context, spec *types.ClusterConfigSpecEx) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return cluster.Reconfigure(ctx, spec, true) })
		return err
	}

	s.check("cluster: a VM group, a host group, a VM-host rule and an anti-affinity rule, read back in configurationEx", func(ctx context.Context) error {
		var err error
		if cluster, err = s.finder.ClusterComputeResource(ctx, "DC0_C0"); err != nil {
			return err
		}
		var hosts []mo.HostSystem
		members, err := cluster.Hosts(ctx)
		if err != nil || len(members) == 0 {
			return fmt.Errorf("the cluster's hosts: %v", err)
		}
		refs := make([]types.ManagedObjectReference, len(members))
		for i, h := range members {
			refs[i] = h.Reference()
		}
		if err := s.pc.Retrieve(ctx, refs, []string{"vm"}, &hosts); err != nil {
			return err
		}
		for _, h := range hosts {
			vms = append(vms, h.Vm...)
		}
		if len(vms) < 2 {
			return fmt.Errorf("the cluster runs %d VMs, want 2 at least", len(vms))
		}
		host = refs[0]
		err = reconfigure(ctx, &types.ClusterConfigSpecEx{
			GroupSpec: []types.ClusterGroupSpec{
				{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
					Info: &types.ClusterVmGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: "go-vms"}, Vm: vms[:1]}},
				{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
					Info: &types.ClusterHostGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: "go-hosts"}, Host: []types.ManagedObjectReference{host}}},
			},
			RulesSpec: []types.ClusterRuleSpec{
				{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
					Info: &types.ClusterVmHostRuleInfo{ClusterRuleInfo: types.ClusterRuleInfo{Name: "go-pin", Enabled: types.NewBool(true), Mandatory: types.NewBool(true)},
						VmGroupName: "go-vms", AffineHostGroupName: "go-hosts"}},
				{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
					Info: &types.ClusterAntiAffinityRuleSpec{ClusterRuleInfo: types.ClusterRuleInfo{Name: "go-apart", Enabled: types.NewBool(true)}, Vm: vms[:2]}},
			},
		})
		if err != nil {
			return err
		}
		config, err := cluster.Configuration(ctx)
		if err != nil {
			return err
		}
		if len(config.Group) != 2 || len(config.Rule) != 2 {
			return fmt.Errorf("configurationEx has %d groups and %d rules, want 2 and 2", len(config.Group), len(config.Rule))
		}
		group, ok := config.Group[0].(*types.ClusterVmGroup)
		if !ok || group.Name != "go-vms" || len(group.Vm) != 1 || group.Vm[0] != vms[0] {
			return fmt.Errorf("group[0] is %#v", config.Group[0])
		}
		pin, ok := config.Rule[0].(*types.ClusterVmHostRuleInfo)
		if !ok || pin.AffineHostGroupName != "go-hosts" || pin.Key == 0 || pin.RuleUuid == "" || !*pin.Mandatory {
			return fmt.Errorf("rule[0] is %#v", config.Rule[0])
		}
		apart, ok := config.Rule[1].(*types.ClusterAntiAffinityRuleSpec)
		if !ok || apart.Key == pin.Key || len(apart.Vm) != 2 {
			return fmt.Errorf("rule[1] is %#v", config.Rule[1])
		}
		res, err := methods.FindRulesForVm(ctx, s.c.Client, &types.FindRulesForVm{This: cluster.Reference(), Vm: vms[1]})
		if err != nil {
			return err
		}
		if len(res.Returnval) != 1 || res.Returnval[0].GetClusterRuleInfo().Name != "go-apart" {
			return fmt.Errorf("FindRulesForVm answered %d rules", len(res.Returnval))
		}
		return nil
	})

	s.check("cluster: a VM joins a VM group as Cluster API Provider vSphere adds it (ClusterGroupSpec edit)", func(ctx context.Context) error {
		config, err := cluster.Configuration(ctx)
		if err != nil {
			return err
		}
		var group *types.ClusterVmGroup
		for _, g := range config.Group {
			if vg, ok := g.(*types.ClusterVmGroup); ok && vg.Name == "go-vms" {
				group = vg
			}
		}
		if group == nil {
			return fmt.Errorf("no VM group go-vms")
		}
		group.Vm = append(group.Vm, vms[1])
		err = reconfigure(ctx, &types.ClusterConfigSpecEx{GroupSpec: []types.ClusterGroupSpec{
			{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationEdit}, Info: group},
		}})
		if err != nil {
			return err
		}
		if config, err = cluster.Configuration(ctx); err != nil {
			return err
		}
		if got := config.Group[0].(*types.ClusterVmGroup).Vm; len(got) != 2 || got[1] != vms[1] {
			return fmt.Errorf("the group's VMs after the edit: %v", got)
		}
		return nil
	})

	s.check("cluster: an anti-affinity rule of one VM fails with InvalidArgument and changes nothing", func(ctx context.Context) error {
		err := reconfigure(ctx, &types.ClusterConfigSpecEx{RulesSpec: []types.ClusterRuleSpec{
			{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
				Info: &types.ClusterAntiAffinityRuleSpec{ClusterRuleInfo: types.ClusterRuleInfo{Name: "go-lonely", Enabled: types.NewBool(true)}, Vm: vms[:1]}},
		}})
		if _, err := taskFault(err, "InvalidArgument"); err != nil {
			return err
		}
		config, err := cluster.Configuration(ctx)
		if err != nil {
			return err
		}
		if len(config.Rule) != 2 {
			return fmt.Errorf("%d rules after the refusal, want 2", len(config.Rule))
		}
		return nil
	})

	s.check("cluster: rules removed by key and groups by name leave configurationEx empty", func(ctx context.Context) error {
		config, err := cluster.Configuration(ctx)
		if err != nil {
			return err
		}
		spec := &types.ClusterConfigSpecEx{}
		for _, r := range config.Rule {
			spec.RulesSpec = append(spec.RulesSpec, types.ClusterRuleSpec{
				ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationRemove, RemoveKey: r.GetClusterRuleInfo().Key}})
		}
		for _, g := range config.Group {
			spec.GroupSpec = append(spec.GroupSpec, types.ClusterGroupSpec{
				ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationRemove, RemoveKey: g.GetClusterGroupInfo().Name}})
		}
		if err := reconfigure(ctx, spec); err != nil {
			return err
		}
		if config, err = cluster.Configuration(ctx); err != nil {
			return err
		}
		if len(config.Group) != 0 || len(config.Rule) != 0 {
			return fmt.Errorf("%d groups and %d rules left", len(config.Group), len(config.Rule))
		}
		return nil
	})
}
