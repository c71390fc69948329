package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// watch is a private collector with two filters on one VM: one on runtime.powerState and
// one on the whole runtime, as a client watching a VM's power state sets them up.
type watch struct {
	pc      *property.Collector
	narrow  types.ManagedObjectReference
	broad   types.ManagedObjectReference
	version string
}

func (s *suite) newWatch(ctx context.Context, vm types.ManagedObjectReference) (*watch, error) {
	pc, err := s.pc.Create(ctx)
	if err != nil {
		return nil, err
	}
	w := &watch{pc: pc}
	for _, f := range []struct {
		path string
		ref  *types.ManagedObjectReference
	}{{"runtime.powerState", &w.narrow}, {"runtime", &w.broad}} {
		res, err := methods.CreateFilter(ctx, s.c.Client, &types.CreateFilter{
			This: pc.Reference(),
			Spec: types.PropertyFilterSpec{
				ObjectSet: []types.ObjectSpec{{Obj: vm}},
				PropSet:   []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{f.path}}},
			},
		})
		if err != nil {
			return nil, err
		}
		*f.ref = res.Returnval
	}
	return w, nil
}

func (w *watch) wait(ctx context.Context, c soap.RoundTripper, version string, seconds int32) (*types.UpdateSet, error) {
	res, err := methods.WaitForUpdatesEx(ctx, c, &types.WaitForUpdatesEx{
		This:    w.pc.Reference(),
		Version: version,
		Options: &types.WaitOptions{MaxWaitSeconds: &seconds},
	})
	if err != nil {
		return nil, err
	}
	return res.Returnval, nil
}

// changesOf lists the changes a filter reported for one object, with the update kind.
func changesOf(set *types.UpdateSet, filter types.ManagedObjectReference) (kind types.ObjectUpdateKind, changes []types.PropertyChange) {
	for _, fs := range set.FilterSet {
		if fs.Filter != filter {
			continue
		}
		for _, o := range fs.ObjectSet {
			kind = o.Kind
			changes = append(changes, o.ChangeSet...)
		}
	}
	return kind, changes
}

// later says whether version b comes after a: numerically when both are numbers (as vCenter's
// are), else merely different, since versions are opaque.
func later(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	if errA == nil && errB == nil {
		return y > x
	}
	return a != b
}

func (s *suite) updateChecks() {
	var w *watch
	var vmRef types.ManagedObjectReference
	var first, second *types.UpdateSet

	s.check("updates: first WaitForUpdatesEx returns enter for both filters", func(ctx context.Context) error {
		vm, err := s.vm(ctx, "DC0_H0_VM1")
		if err != nil {
			return err
		}
		vmRef = vm.Reference()
		if w, err = s.newWatch(ctx, vmRef); err != nil {
			return err
		}
		if first, err = w.wait(ctx, s.c.Client, "", 5); err != nil {
			return err
		}
		if first == nil || first.Version == "" {
			return fmt.Errorf("no update set: %+v", first)
		}
		kind, changes := changesOf(first, w.narrow)
		if kind != types.ObjectUpdateKindEnter || len(changes) != 1 || changes[0].Name != "runtime.powerState" ||
			asValue(changes[0].Val) != types.VirtualMachinePowerStatePoweredOn {
			return fmt.Errorf("runtime.powerState filter: %s %+v", kind, changes)
		}
		kind, changes = changesOf(first, w.broad)
		if kind != types.ObjectUpdateKindEnter || len(changes) != 1 || changes[0].Name != "runtime" {
			return fmt.Errorf("runtime filter: %s %+v", kind, changes)
		}
		return nil
	})

	var waitErr, govcErr error
	var waited time.Duration
	s.check("updates: a waiting goroutine sees another session's power-off", func(ctx context.Context) error {
		other, err := s.login(ctx)
		if err != nil {
			return err
		}
		defer other.Logout(context.Background())

		done := make(chan struct{})
		go func() {
			defer close(done)
			start := time.Now()
			second, waitErr = w.wait(ctx, s.c.Client, first.Version, 15)
			waited = time.Since(start)
		}()
		// govc's way: property.Wait on its own collector until the state is reached.
		govcDone := make(chan struct{})
		go func() {
			defer close(govcDone)
			govcErr = property.Wait(ctx, s.pc, vmRef, []string{"runtime.powerState"}, func(pcs []types.PropertyChange) bool {
				for _, c := range pcs {
					if asValue(c.Val) == types.VirtualMachinePowerStatePoweredOff {
						return true
					}
				}
				return false
			})
		}()
		time.Sleep(500 * time.Millisecond) // let both waits reach the server
		select {
		case <-done:
			return fmt.Errorf("WaitForUpdatesEx returned before any change: %+v %v", second, waitErr)
		default:
		}
		vm, err := otherVM(ctx, other, vmRef)
		if err != nil {
			return err
		}
		if _, err := runTask(ctx, vm.PowerOff); err != nil {
			return fmt.Errorf("power off from the other session: %v", err)
		}
		<-done
		if waitErr != nil {
			return waitErr
		}
		if second == nil {
			return fmt.Errorf("the wait timed out after %v without the change", waited)
		}
		kind, changes := changesOf(second, w.narrow)
		if kind != types.ObjectUpdateKindModify || len(changes) != 1 || changes[0].Name != "runtime.powerState" ||
			changes[0].Op != types.PropertyChangeOpAssign || asValue(changes[0].Val) != types.VirtualMachinePowerStatePoweredOff {
			return fmt.Errorf("runtime.powerState filter saw %s %+v", kind, changes)
		}
		return nil
	})

	s.check("updates: the filter on runtime also reports the power-off", func(ctx context.Context) error {
		kind, changes := changesOf(second, w.broad)
		if kind != types.ObjectUpdateKindModify {
			return fmt.Errorf("runtime filter saw %s %+v", kind, changes)
		}
		for _, c := range changes {
			if c.Name == "runtime" {
				if rt, ok := asValue(c.Val).(types.VirtualMachineRuntimeInfo); ok && rt.PowerState == types.VirtualMachinePowerStatePoweredOff {
					return nil
				}
			}
			if c.Name == "runtime.powerState" && asValue(c.Val) == types.VirtualMachinePowerStatePoweredOff {
				return nil
			}
		}
		return fmt.Errorf("no poweredOff among %+v", changes)
	})

	s.check("updates: property.Wait (govc's waiter) returns on poweredOff", func(ctx context.Context) error {
		return govcErr
	})

	s.check("updates: versions increase", func(ctx context.Context) error {
		if !later(first.Version, second.Version) {
			return fmt.Errorf("version %q then %q", first.Version, second.Version)
		}
		return nil
	})

	s.check("updates: maxWaitSeconds=0 with nothing new returns no update set", func(ctx context.Context) error {
		set, err := w.wait(ctx, s.c.Client, second.Version, 0)
		if err != nil {
			return err
		}
		if set != nil {
			return fmt.Errorf("got an update set: %+v", set)
		}
		return nil
	})

	s.check("updates: CancelWaitForUpdates makes the pending wait fail with RequestCanceled", func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() {
			_, err := w.wait(ctx, s.c.Client, second.Version, 30)
			errc <- err
		}()
		// A cancel that reaches the server before the wait does cancels nothing: cancel
		// again until the wait ends, a bounded number of times.
		for i := 0; i < 10; i++ {
			time.Sleep(300 * time.Millisecond)
			if err := w.pc.CancelWaitForUpdates(ctx); err != nil {
				return fmt.Errorf("CancelWaitForUpdates: %v", err)
			}
			select {
			case err := <-errc:
				_, err = soapFault(err, "RequestCanceled")
				return err
			case <-time.After(300 * time.Millisecond):
			}
		}
		return fmt.Errorf("the wait did not end after 10 cancels")
	})

	s.check("updates: maxObjectUpdates pages the initial enters with truncated", func(ctx context.Context) error {
		v, err := view.NewManager(s.c.Client).CreateContainerView(ctx, s.c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		pc, err := s.pc.Create(ctx)
		if err != nil {
			return err
		}
		defer pc.Destroy(ctx)
		if err := pc.CreateFilter(ctx, types.CreateFilter{Spec: viewSpec(v.Reference(), "VirtualMachine", "name")}); err != nil {
			return err
		}
		seconds := int32(5)
		req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &seconds, MaxObjectUpdates: 1}}
		entered := map[string]bool{}
		pages := 0
		for ; pages < 10; pages++ {
			res, err := methods.WaitForUpdatesEx(ctx, s.c.Client, &req)
			if err != nil {
				return err
			}
			set := res.Returnval
			if set == nil {
				return fmt.Errorf("no update set on page %d", pages+1)
			}
			for _, fs := range set.FilterSet {
				for _, o := range fs.ObjectSet {
					if o.Kind == types.ObjectUpdateKindEnter {
						entered[o.Obj.Value] = true
					}
				}
			}
			req.Version = set.Version
			if set.Truncated == nil || !*set.Truncated {
				break
			}
		}
		if len(entered) != 4 || pages < 3 {
			return fmt.Errorf("%d VMs entered over %d pages, want 4 over 4", len(entered), pages+1)
		}
		return nil
	})

	s.check("updates: after DestroyPropertyCollector the collector is ManagedObjectNotFound", func(ctx context.Context) error {
		ref := w.pc.Reference() // Destroy forgets it
		if err := w.pc.Destroy(ctx); err != nil {
			return err
		}
		seconds := int32(0)
		_, err := methods.WaitForUpdatesEx(ctx, s.c.Client, &types.WaitForUpdatesEx{
			This: ref, Options: &types.WaitOptions{MaxWaitSeconds: &seconds},
		})
		_, err = soapFault(err, "ManagedObjectNotFound")
		return err
	})
}
