package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) customFieldChecks() {
	var m *object.CustomFieldsManager
	var def *types.CustomFieldDef

	s.check("custom fields: CustomFieldsManager.Add defines a field; Field lists it and FindKey finds it", func(ctx context.Context) error {
		var err error
		if m, err = object.GetCustomFieldsManager(s.c.Client); err != nil {
			return err
		}
		if def, err = m.Add(ctx, "conformance", "VirtualMachine", nil, nil); err != nil {
			return err
		}
		if def.Name != "conformance" || def.ManagedObjectType != "VirtualMachine" || def.Key == 0 {
			return fmt.Errorf("field def %+v", def)
		}
		fields, err := m.Field(ctx)
		if err != nil {
			return err
		}
		if got := fields.ByKey(def.Key); got == nil || got.Name != "conformance" {
			return fmt.Errorf("field %d not in %+v", def.Key, fields)
		}
		key, err := m.FindKey(ctx, "conformance")
		if err != nil {
			return err
		}
		if key != def.Key {
			return fmt.Errorf("FindKey = %d, want %d", key, def.Key)
		}
		return nil
	})

	s.check("custom fields: Set on a VM shows in its customValue (and availableField)", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		if err := m.Set(ctx, vm.Reference(), def.Key, "yes"); err != nil {
			return err
		}
		var mvm mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"customValue", "availableField"}, &mvm); err != nil {
			return err
		}
		found := false
		for _, v := range mvm.CustomValue {
			if sv, ok := v.(*types.CustomFieldStringValue); ok && sv.Key == def.Key && sv.Value == "yes" {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("customValue %+v", mvm.CustomValue)
		}
		for _, f := range mvm.AvailableField {
			if f.Key == def.Key {
				return nil
			}
		}
		return fmt.Errorf("availableField %+v lacks key %d", mvm.AvailableField, def.Key)
	})

	s.check("custom fields: another VM has no value for the field", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM0")
		if err != nil {
			return err
		}
		var mvm mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"customValue"}, &mvm); err != nil {
			return err
		}
		for _, v := range mvm.CustomValue {
			if v.GetCustomFieldValue().Key == def.Key {
				return fmt.Errorf("customValue %+v", mvm.CustomValue)
			}
		}
		return nil
	})

	s.check("custom fields: Add with a taken name fails with DuplicateName", func(ctx context.Context) error {
		_, err := m.Add(ctx, "conformance", "VirtualMachine", nil, nil)
		_, err = soapFault(err, "DuplicateName")
		return err
	})

	s.check("custom fields: a global field set with SetCustomValue on a host (customValue and value); an empty value removes it", func(ctx context.Context) error {
		global, err := m.Add(ctx, "owner", "", nil, nil)
		if err != nil {
			return err
		}
		host, err := s.finder.HostSystem(ctx, "DC0_H0")
		if err != nil {
			return err
		}
		if err := host.SetCustomValue(ctx, "owner", "ops"); err != nil {
			return err
		}
		var mh mo.HostSystem
		if err := s.pc.RetrieveOne(ctx, host.Reference(), []string{"customValue", "value"}, &mh); err != nil {
			return err
		}
		has := func(list []types.BaseCustomFieldValue) bool {
			for _, v := range list {
				if sv, ok := v.(*types.CustomFieldStringValue); ok && sv.Key == global.Key && sv.Value == "ops" {
					return true
				}
			}
			return false
		}
		if !has(mh.CustomValue) || !has(mh.Value) {
			return fmt.Errorf("customValue %+v, value %+v", mh.CustomValue, mh.Value)
		}
		if err := m.Set(ctx, host.Reference(), global.Key, ""); err != nil {
			return err
		}
		mh = mo.HostSystem{}
		if err := s.pc.RetrieveOne(ctx, host.Reference(), []string{"customValue"}, &mh); err != nil {
			return err
		}
		for _, v := range mh.CustomValue {
			if v.GetCustomFieldValue().Key == global.Key {
				return fmt.Errorf("value left after setting it empty: %+v", mh.CustomValue)
			}
		}
		return nil
	})
}
