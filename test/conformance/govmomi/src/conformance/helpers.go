package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// typeName is the concrete Go type of a fault or property value, without the pointer.
func typeName(v interface{}) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "<nil>"
	}
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	return t.Name()
}

// soapFault is the vim25 fault of an error that came back as a SOAP fault, or an error saying
// what came back instead.
func soapFault(err error, want string) (interface{}, error) {
	if err == nil {
		return nil, fmt.Errorf("no error, want SOAP fault %s", want)
	}
	if !soap.IsSoapFault(err) {
		return nil, fmt.Errorf("want SOAP fault %s, got %T: %v", want, err, err)
	}
	f := soap.ToSoapFault(err).VimFault()
	if got := typeName(f); got != want {
		return f, fmt.Errorf("want SOAP fault %s, got %s (%v)", want, got, err)
	}
	return f, nil
}

// taskFault is the fault in TaskInfo.error of a failed task (task.Error carries it).
func taskFault(err error, want string) (types.BaseMethodFault, error) {
	if err == nil {
		return nil, fmt.Errorf("task succeeded, want task error %s", want)
	}
	var te task.Error
	if !errors.As(err, &te) {
		return nil, fmt.Errorf("want task error %s, got %T: %v", want, err, err)
	}
	f := te.Fault()
	if got := typeName(f); got != want {
		return f, fmt.Errorf("want task error %s, got %s (%v)", want, got, err)
	}
	return f, nil
}

// anyFault reads the fault whichever way it came (SOAP fault or task error), the way a
// caller using types.HasFault does, and checks it is one of `want`.
func anyFault(err error, want ...string) (interface{}, error) {
	if err == nil {
		return nil, fmt.Errorf("no error, want %s", strings.Join(want, " or "))
	}
	var f interface{}
	if soap.IsSoapFault(err) {
		f = soap.ToSoapFault(err).VimFault()
	} else if hf, ok := err.(types.HasFault); ok {
		f = hf.Fault()
	} else {
		return nil, fmt.Errorf("want %s, got %T: %v", strings.Join(want, " or "), err, err)
	}
	for _, w := range want {
		if typeName(f) == w {
			return f, nil
		}
	}
	return f, fmt.Errorf("want %s, got %s (%v)", strings.Join(want, " or "), typeName(f), err)
}

// inOrder runs steps until one fails.
func inOrder(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// runTask waits for a task started by `start` and returns its info or its error.
func runTask(ctx context.Context, start func(ctx context.Context) (*object.Task, error)) (*types.TaskInfo, error) {
	t, err := start(ctx)
	if err != nil {
		return nil, err
	}
	return t.WaitForResult(ctx)
}

// searchDatastore runs SearchDatastore on a folder, as govc's datastore.ls does, and reads its result.
func searchDatastore(ctx context.Context, browser *object.HostDatastoreBrowser, dir string, spec types.HostDatastoreBrowserSearchSpec) (*types.HostDatastoreBrowserSearchResults, error) {
	info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
		return browser.SearchDatastore(ctx, dir, &spec)
	})
	if err != nil {
		return nil, err
	}
	res, ok := info.Result.(types.HostDatastoreBrowserSearchResults)
	if !ok {
		return nil, fmt.Errorf("task result %#v, want HostDatastoreBrowserSearchResults", info.Result)
	}
	return &res, nil
}

// firstVMConfigFile is the configuration file of DC0's first VM, as its config.files names it.
func (s *suite) firstVMConfigFile(ctx context.Context) (object.DatastorePath, error) {
	var vmx object.DatastorePath
	vms, err := s.finder.VirtualMachineList(ctx, "/DC0/vm/*")
	if err != nil {
		return vmx, err
	}
	var vm mo.VirtualMachine
	if err := s.pc.RetrieveOne(ctx, vms[0].Reference(), []string{"config.files"}, &vm); err != nil {
		return vmx, err
	}
	if !vmx.FromString(vm.Config.Files.VmPathName) {
		return vmx, fmt.Errorf("vmPathName %q", vm.Config.Files.VmPathName)
	}
	return vmx, nil
}

func (s *suite) vm(ctx context.Context, name string) (*object.VirtualMachine, error) {
	return s.finder.VirtualMachine(ctx, "/DC0/vm/"+name)
}

func (s *suite) powerState(ctx context.Context, ref types.ManagedObjectReference) (types.VirtualMachinePowerState, error) {
	var vm mo.VirtualMachine
	if err := s.pc.RetrieveOne(ctx, ref, []string{"runtime.powerState"}, &vm); err != nil {
		return "", err
	}
	return vm.Runtime.PowerState, nil
}

func (s *suite) wantPowerState(ctx context.Context, ref types.ManagedObjectReference, want types.VirtualMachinePowerState) error {
	got, err := s.powerState(ctx, ref)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("runtime.powerState = %s, want %s", got, want)
	}
	return nil
}

// props retrieves the given paths of one object raw, as ObjectContent.propSet.
func (s *suite) props(ctx context.Context, ref types.ManagedObjectReference, paths ...string) (map[string]types.AnyType, error) {
	req := types.RetrieveProperties{
		This: s.pc.Reference(),
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{Obj: ref}},
			PropSet:   []types.PropertySpec{{Type: ref.Type, PathSet: paths}},
		}},
	}
	res, err := s.pc.RetrieveProperties(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(res.Returnval) != 1 {
		return nil, fmt.Errorf("%d objects returned for %s, want 1", len(res.Returnval), ref)
	}
	out := map[string]types.AnyType{}
	for _, p := range res.Returnval[0].PropSet {
		out[p.Name] = p.Val
	}
	for _, m := range res.Returnval[0].MissingSet {
		return out, fmt.Errorf("missingSet %s: %s", m.Path, typeName(m.Fault.Fault))
	}
	return out, nil
}

func names(objs []mo.ManagedEntity) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.Name)
	}
	sort.Strings(out)
	return out
}

func sameStrings(got, want []string) error {
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, ",") != strings.Join(w, ",") {
		return fmt.Errorf("got %v, want %v", g, w)
	}
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

// asValue turns a pointer-or-value property into its value, so type switches see one shape.
func asValue(v interface{}) interface{} {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Ptr && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

// otherVM is the same VM seen through another client's session.
func otherVM(_ context.Context, c *govmomi.Client, ref types.ManagedObjectReference) (*object.VirtualMachine, error) {
	return object.NewVirtualMachine(c.Client, ref), nil
}

func (s *suite) queryEvents(ctx context.Context, ref types.ManagedObjectReference) ([]types.BaseEvent, error) {
	return event.NewManager(s.c.Client).QueryEvents(ctx, types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: ref, Recursion: types.EventFilterSpecRecursionOptionSelf},
	})
}
