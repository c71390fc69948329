package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// hostClockAndFirewallChecks drive a host's HostDateTimeSystem and HostFirewallSystem as govc's
// host.date.change, host.date.info and firewall.ruleset.find do.
func (s *suite) hostClockAndFirewallChecks() {
	var clock *object.HostDateTimeSystem
	var firewall *object.HostFirewallSystem

	s.check("date time system: UpdateDateTime sets the host clock, which QueryDateTime answers", func(ctx context.Context) error {
		host, err := s.finder.HostSystem(ctx, "DC0_C0/DC0_C0_H2")
		if err != nil {
			return err
		}
		if clock, err = host.ConfigManager().DateTimeSystem(ctx); err != nil {
			return err
		}
		if firewall, err = host.ConfigManager().FirewallSystem(ctx); err != nil {
			return err
		}
		want := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := clock.Update(ctx, want); err != nil {
			return err
		}
		got, err := clock.Query(ctx)
		if err != nil {
			return err
		}
		// The host clock goes on from the time set, as the server's own clock runs.
		if d := got.Sub(want); d < 0 || d > time.Minute {
			return fmt.Errorf("QueryDateTime answered %v, want %v", got, want)
		}
		return nil
	})

	s.check("date time system: UpdateDateTimeConfig's NTP servers read back as host.date.info reads them; another time zone is HostConfigFault", func(ctx context.Context) error {
		config := types.HostDateTimeConfig{NtpConfig: &types.HostNtpConfig{Server: []string{"0.pool.ntp.org", "1.pool.ntp.org"}}}
		if err := clock.UpdateConfig(ctx, config); err != nil {
			return err
		}
		var m mo.HostDateTimeSystem
		if err := clock.Properties(ctx, clock.Reference(), nil, &m); err != nil {
			return err
		}
		info := m.DateTimeInfo
		if info.TimeZone.Key != "UTC" || info.NtpConfig == nil || fmt.Sprint(info.NtpConfig.Server) != "[0.pool.ntp.org 1.pool.ntp.org]" {
			return fmt.Errorf("dateTimeInfo: time zone %q, ntpConfig %+v", info.TimeZone.Key, info.NtpConfig)
		}
		_, err := anyFault(clock.UpdateConfig(ctx, types.HostDateTimeConfig{TimeZone: "Europe/Paris"}), "HostConfigFault")
		return err
	})

	s.check("firewall system: EnableRuleset and DisableRuleset seen in firewallInfo as firewall.ruleset.find matches it; NotFound for an unknown id", func(ctx context.Context) error {
		ntp := types.HostFirewallRule{
			Port: 123, Direction: types.HostFirewallRuleDirectionOutbound,
			PortType: types.HostFirewallRulePortTypeDst, Protocol: string(types.HostFirewallRuleProtocolUdp),
		}
		find := func(enabled bool) ([]string, error) {
			info, err := firewall.Info(ctx)
			if err != nil {
				return nil, err
			}
			matched, err := object.HostFirewallRulesetList(info.Ruleset).EnabledByRule(ntp, enabled)
			if err != nil {
				return nil, err
			}
			return matched.Keys(), nil
		}
		if err := firewall.EnableRuleset(ctx, "ntpClient"); err != nil {
			return err
		}
		if keys, err := find(true); err != nil || fmt.Sprint(keys) != "[ntpClient]" {
			return fmt.Errorf("enabled rulesets for udp 123: %v %v", keys, err)
		}
		if err := firewall.DisableRuleset(ctx, "ntpClient"); err != nil {
			return err
		}
		if keys, err := find(false); err != nil || fmt.Sprint(keys) != "[ntpClient]" {
			return fmt.Errorf("disabled rulesets for udp 123: %v %v", keys, err)
		}
		_, err := anyFault(firewall.EnableRuleset(ctx, "nope"), "NotFound")
		return err
	})
}
