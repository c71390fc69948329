package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *suite) historyChecks() {
	var vm *object.VirtualMachine
	var c *event.HistoryCollector
	var queried []types.BaseEvent

	s.check("event collector: CreateCollectorForEvents; latestPage lists the VM's events newest first", func(ctx context.Context) error {
		var err error
		if vm, err = s.vm(ctx, "DC0_H0_VM0"); err != nil {
			return err
		}
		if queried, err = s.queryEvents(ctx, vm.Reference()); err != nil {
			return err
		}
		c, err = event.NewManager(s.c.Client).CreateCollectorForEvents(ctx, types.EventFilterSpec{
			Entity: &types.EventFilterSpecByEntity{Entity: vm.Reference(), Recursion: types.EventFilterSpecRecursionOptionSelf},
		})
		if err != nil {
			return err
		}
		page, err := c.LatestPage(ctx)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return fmt.Errorf("latestPage is empty")
		}
		for i, e := range page {
			be := e.GetEvent()
			if be.Vm == nil || be.Vm.Vm != vm.Reference() {
				return fmt.Errorf("latestPage[%d] %T is not about the VM", i, e)
			}
			if i > 0 && be.Key >= page[i-1].GetEvent().Key {
				return fmt.Errorf("latestPage not newest first: key %d after %d", be.Key, page[i-1].GetEvent().Key)
			}
		}
		return nil
	})

	s.check("event collector: ReadNextEvents reads every event oldest first, then nothing", func(ctx context.Context) error {
		var all []types.BaseEvent
		for i := 0; i < 100; i++ {
			got, err := c.ReadNextEvents(ctx, 10)
			if err != nil {
				return err
			}
			if len(got) == 0 {
				break
			}
			all = append(all, got...)
		}
		if len(all) != len(queried) {
			return fmt.Errorf("ReadNextEvents read %d events, QueryEvents found %d", len(all), len(queried))
		}
		for i := 1; i < len(all); i++ {
			if all[i].GetEvent().Key <= all[i-1].GetEvent().Key {
				return fmt.Errorf("not oldest first: key %d after %d", all[i].GetEvent().Key, all[i-1].GetEvent().Key)
			}
		}
		more, err := c.ReadNextEvents(ctx, 10)
		if err != nil {
			return err
		}
		if len(more) != 0 {
			return fmt.Errorf("%d more events after the end", len(more))
		}
		return nil
	})

	s.check("event collector: a new power-off event heads latestPage", func(ctx context.Context) error {
		if _, err := runTask(ctx, vm.PowerOff); err != nil {
			return err
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			page, err := c.LatestPage(ctx)
			if err != nil {
				return err
			}
			if len(page) > 0 {
				if _, ok := page[0].(*types.VmPoweredOffEvent); ok {
					return nil
				}
			}
			if time.Now().After(deadline) {
				if len(page) == 0 {
					return fmt.Errorf("latestPage is empty")
				}
				return fmt.Errorf("latestPage[0] is %T, want VmPoweredOffEvent", page[0])
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	s.check("event collector: after Destroy the collector is ManagedObjectNotFound", func(ctx context.Context) error {
		if err := c.Destroy(ctx); err != nil {
			return err
		}
		_, err := c.ReadNextEvents(ctx, 10)
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})

	s.check("tasks: Cancel of a finished task fails with InvalidState", func(ctx context.Context) error {
		t, err := vm.PowerOn(ctx)
		if err != nil {
			return err
		}
		if err := t.Wait(ctx); err != nil {
			return err
		}
		_, err = soapFault(t.Cancel(ctx), "InvalidState")
		return err
	})

	s.check("events (govc events): Manager.Events over two VMs reads each one's latest page of 5", func(ctx context.Context) error {
		other, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		seen := map[types.ManagedObjectReference]int{}
		objs := []types.ManagedObjectReference{vm.Reference(), other.Reference()}
		err = event.NewManager(s.c.Client).Events(ctx, objs, 5, false, false, func(obj types.ManagedObjectReference, evs []types.BaseEvent) error {
			for _, e := range evs {
				if be := e.GetEvent(); be.Vm == nil || be.Vm.Vm != obj {
					return fmt.Errorf("%T for %s is not about it", e, obj)
				}
			}
			seen[obj] += len(evs)
			return nil
		})
		if err != nil {
			return err
		}
		for _, o := range objs {
			if seen[o] != 5 {
				return fmt.Errorf("%d events for %s, want 5 (%v)", seen[o], o, seen)
			}
		}
		return nil
	})

	s.check("events (govc events -f): a tailing Events call sees another session's power-off", func(ctx context.Context) error {
		tailCtx, stop := context.WithTimeout(ctx, 10*time.Second)
		defer stop()
		ready := make(chan struct{}, 1)
		got := make(chan struct{}, 1)
		done := make(chan error, 1)
		go func() {
			first := true
			done <- event.NewManager(s.c.Client).Events(tailCtx, []types.ManagedObjectReference{vm.Reference()}, 3, true, false,
				func(_ types.ManagedObjectReference, evs []types.BaseEvent) error {
					if first {
						first = false
						ready <- struct{}{}
						return nil
					}
					for _, e := range evs {
						if _, ok := e.(*types.VmPoweredOffEvent); ok {
							select {
							case got <- struct{}{}:
							default:
							}
						}
					}
					return nil
				})
		}()
		select {
		case <-ready:
		case err := <-done:
			return fmt.Errorf("Events ended before its first page: %v", err)
		case <-tailCtx.Done():
			return fmt.Errorf("no first page")
		}
		other, err := s.login(ctx)
		if err != nil {
			return err
		}
		defer other.Logout(context.Background())
		if _, err := runTask(ctx, object.NewVirtualMachine(other.Client, vm.Reference()).PowerOff); err != nil {
			return err
		}
		select {
		case <-got:
		case err := <-done:
			return fmt.Errorf("Events ended without the power-off: %v", err)
		case <-tailCtx.Done():
			return fmt.Errorf("the tail did not see VmPoweredOffEvent")
		}
		stop()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("Events did not end when its context was canceled")
		}
		return nil
	})
}
