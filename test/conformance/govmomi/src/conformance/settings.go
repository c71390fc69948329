package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// settingChecks drive vCenter's OptionManager as govc's option.ls and option.set do.
func (s *suite) settingChecks() {
	s.check("settings: option.ls of a prefix, option.set of a setting and of a new config. one", func(ctx context.Context) error {
		m := object.NewOptionManager(s.c.Client, *s.c.ServiceContent.Setting)
		got, err := m.Query(ctx, "task.")
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].GetOptionValue().Key != "task.maxAge" {
			return fmt.Errorf("Query(task.) = %d settings, first %+v", len(got), got[0].GetOptionValue())
		}
		err = m.Update(ctx, []types.BaseOptionValue{
			&types.OptionValue{Key: "task.maxAge", Value: int32(90)},
			&types.OptionValue{Key: "config.vsim.govmomi", Value: "yes"},
		})
		if err != nil {
			return err
		}
		got, err = m.Query(ctx, "task.maxAge")
		if err != nil {
			return err
		}
		if v := got[0].GetOptionValue().Value; asValue(v) != int32(90) {
			return fmt.Errorf("task.maxAge = %T %v after Update", v, v)
		}
		if _, err := m.Query(ctx, "config.vsim."); err != nil {
			return err
		}
		if _, err := anyFault(m.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "vsim.unknown", Value: "x"}}), "InvalidName"); err != nil {
			return err
		}
		return m.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "task.maxAge", Value: int32(30)}})
	})

	s.check("settings: host.option.ls and host.option.set on a host's advancedOption; no new setting", func(ctx context.Context) error {
		host, err := s.finder.HostSystem(ctx, "/DC0/host/DC0_C0/DC0_C0_H0")
		if err != nil {
			return err
		}
		m, err := host.ConfigManager().OptionManager(ctx)
		if err != nil {
			return err
		}
		if err := m.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "UserVars.SuppressShellWarning", Value: int32(1)}}); err != nil {
			return err
		}
		got, err := m.Query(ctx, "UserVars.SuppressShellWarning")
		if err != nil {
			return err
		}
		if v := asValue(got[0].GetOptionValue().Value); v != int32(1) {
			return fmt.Errorf("UserVars.SuppressShellWarning = %T %v after Update", v, v)
		}
		if _, err := anyFault(m.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "config.vsim.govmomi", Value: "x"}}), "InvalidName"); err != nil {
			return err
		}
		return m.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "UserVars.SuppressShellWarning", Value: int32(0)}})
	})
}
