package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) faultChecks() {
	s.check("faults: unknown moref -> ManagedObjectNotFound carrying obj", func(ctx context.Context) error {
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-987654"}
		var m mo.VirtualMachine
		err := s.pc.RetrieveOne(ctx, ref, []string{"name"}, &m)
		f, err := soapFault(err, "ManagedObjectNotFound")
		if err != nil {
			return err
		}
		if obj := asValue(f).(types.ManagedObjectNotFound).Obj; obj != ref {
			return fmt.Errorf("obj = %v", obj)
		}
		_, err = methods.PowerOnVM_Task(ctx, s.c.Client, &types.PowerOnVM_Task{This: ref})
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})

	s.check("faults: a method the object does not have -> MethodNotFound", func(ctx context.Context) error {
		host, err := s.finder.HostSystem(ctx, "DC0_H0")
		if err != nil {
			return err
		}
		_, err = methods.PowerOnVM_Task(ctx, s.c.Client, &types.PowerOnVM_Task{This: host.Reference()})
		_, err = soapFault(err, "MethodNotFound")
		return err
	})

	s.check("faults: unknown property path -> InvalidProperty", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		var m mo.VirtualMachine
		err = s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.noSuchProperty"}, &m)
		f, err := soapFault(err, "InvalidProperty")
		if err != nil {
			return err
		}
		if name := asValue(f).(types.InvalidProperty).Name; name == "" {
			return fmt.Errorf("InvalidProperty without name")
		}
		return nil
	})

	s.check("faults: unknown traversal name in a SelectionSpec -> InvalidArgument", func(ctx context.Context) error {
		_, err := s.pc.RetrieveProperties(ctx, types.RetrieveProperties{
			This: s.pc.Reference(),
			SpecSet: []types.PropertyFilterSpec{{
				ObjectSet: []types.ObjectSpec{{
					Obj:       s.c.ServiceContent.RootFolder,
					SelectSet: []types.BaseSelectionSpec{&types.SelectionSpec{Name: "noSuchTraversal"}},
				}},
				PropSet: []types.PropertySpec{{Type: "ManagedEntity", PathSet: []string{"name"}}},
			}},
		})
		_, err = soapFault(err, "InvalidArgument")
		return err
	})

	s.check("faults: bad continue token -> InvalidProperty", func(ctx context.Context) error {
		_, err := methods.ContinueRetrievePropertiesEx(ctx, s.c.Client, &types.ContinueRetrievePropertiesEx{
			This: s.pc.Reference(), Token: "no-such-token",
		})
		f, err := soapFault(err, "InvalidProperty")
		if err != nil {
			return err
		}
		if name := asValue(f).(types.InvalidProperty).Name; name != "token" {
			return fmt.Errorf("InvalidProperty.name = %q, want token", name)
		}
		return nil
	})

	s.check("faults: a container view on a VM -> InvalidArgument", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		_, err = view.NewManager(s.c.Client).CreateContainerView(ctx, vm.Reference(), []string{"VirtualMachine"}, true)
		_, err = soapFault(err, "InvalidArgument")
		return err
	})

	s.check("faults: the SOAP fault carries a message (faultstring)", func(ctx context.Context) error {
		_, err := methods.ContinueRetrievePropertiesEx(ctx, s.c.Client, &types.ContinueRetrievePropertiesEx{
			This: s.pc.Reference(), Token: "no-such-token",
		})
		if _, err := soapFault(err, "InvalidProperty"); err != nil {
			return err
		}
		if err.Error() == "" || err.Error() == "ServerFaultCode: " {
			return fmt.Errorf("empty fault message: %q", err.Error())
		}
		return nil
	})
}
