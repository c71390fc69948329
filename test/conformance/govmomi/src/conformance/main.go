// Command conformance drives a vCenter SOAP endpoint with govmomi the way govc does and
// prints one line per check: "ok   <name>" or "FAIL <name>: <reason>", then
// "N passed, M failed". It changes the inventory it is pointed at (power, clone, create,
// reconfigure, relocate, destroy, snapshots, host states, customization, custom fields, First
// Class Disks, datastore files, standalone virtual disks, host datastores and switches, cluster groups and rules), so it expects a freshly started
// default inventory.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/soap"
)

type suite struct {
	url      *url.URL
	insecure bool
	c        *govmomi.Client
	pc       *property.Collector
	finder   *find.Finder
	dc       *object.Datacenter
	folders  *object.DatacenterFolders
	passed   int
	failed   int
}

// Each check gets its own bounded context: nothing waits forever on a broken server.
const checkTimeout = 20 * time.Second

func (s *suite) check(name string, f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	err := func() (err error) {
		// A nil reference left by an earlier failure must fail this check, not the run.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return f(ctx)
	}()
	if err == nil {
		s.passed++
		fmt.Printf("ok   %s\n", name)
		return
	}
	s.failed++
	fmt.Printf("FAIL %s: %v\n", name, err)
}

// login opens a new authenticated session, as govc does for every command.
func (s *suite) login(ctx context.Context) (*govmomi.Client, error) {
	return govmomi.NewClient(ctx, s.url, s.insecure)
}

func main() {
	rawURL := flag.String("url", os.Getenv("GOVC_URL"), "SDK URL with credentials, e.g. https://user:pass@127.0.0.1:8989/sdk")
	insecure := flag.Bool("k", false, "skip TLS certificate verification")
	flag.Parse()

	u, err := soap.ParseURL(*rawURL)
	if err != nil || u == nil {
		fmt.Printf("FAIL parse url %q: %v\n0 passed, 1 failed\n", *rawURL, err)
		os.Exit(1)
	}
	s := &suite{url: u, insecure: *insecure}

	s.sessionChecks()
	s.inventoryChecks()
	s.propertyChecks()
	s.updateChecks()
	s.powerChecks()
	s.cloneChecks()
	s.createChecks()
	s.registerChecks()
	s.relocateChecks()
	s.searchChecks()
	s.faultChecks()
	s.snapshotChecks()
	s.hostChecks()
	s.customizeChecks()
	s.customFieldChecks()
	s.diskChecks()
	s.datastoreChecks()
	s.datastoreFileChecks()
	s.folderChecks()
	s.virtualDiskChecks()
	s.historyChecks()
	s.hostConfigChecks()
	s.hostClockAndFirewallChecks()
	s.clusterChecks()
	s.settingChecks()
	s.cryptoChecks()

	fmt.Printf("%d passed, %d failed\n", s.passed, s.failed)
	if s.failed > 0 {
		os.Exit(1)
	}
}
