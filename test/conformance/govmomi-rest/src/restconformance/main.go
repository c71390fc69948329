// Command restconformance drives vCenter's REST (vAPI) endpoint with govmomi's REST clients
// (vapi/rest, vapi/tags, vapi/library, vapi/vcenter, vapi/cluster) the way govc's tags.*,
// library.* and vcenter deploy commands and vm-operator's cluster modules do: a SOAP login
// first, then a REST session made from Basic credentials or from the SOAP session
// (LoginByToken). It prints one line per check, "ok <name>" or "FAIL <name>: <reason>", then
// "N passed, M failed". It creates categories, tags, libraries, a VM and a cluster module, so
// it expects a freshly started default inventory.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vapi/vcenter"
	"github.com/vmware/govmomi/vim25/soap"
)

type suite struct {
	url      *url.URL
	insecure bool
	c        *govmomi.Client
	pc       *property.Collector
	finder   *find.Finder
	rc       *rest.Client
	tags     *tags.Manager
	lib      *library.Manager
	vc       *vcenter.Manager
	passed   int
	failed   int
}

// Each check gets its own bounded context: nothing waits forever on a broken server.
const checkTimeout = 15 * time.Second

func (s *suite) check(name string, f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	err := func() (err error) {
		// A nil value left by an earlier failure must fail this check, not the run.
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

// wantHTTP checks that a REST call failed with HTTP `status`. govmomi 0.24.2 keeps the body
// of a 400 in the error text, so for 400 the vAPI error type (e.g. "already_exists") is
// checked too when `kind` is given; for other statuses only the status line is kept.
func wantHTTP(err error, status int, kind string) error {
	want := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if err == nil {
		return fmt.Errorf("no error, want HTTP %s %s", want, kind)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		return fmt.Errorf("want HTTP %s %s, got: %v", want, kind, err)
	}
	if status == http.StatusBadRequest && kind != "" && !strings.Contains(msg, kind) {
		return fmt.Errorf("want vAPI error %s, got: %v", kind, err)
	}
	return nil
}

// needs fails a check whose subject an earlier check should have made: a refusal (404) is
// only counted when the same endpoints were seen working, never for a missing route.
func needs(what map[string]bool) error {
	for name, ok := range what {
		if !ok {
			return fmt.Errorf("skipped: %s did not work earlier", name)
		}
	}
	return nil
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
	s.tagChecks()
	s.libraryChecks()
	s.templateChecks()
	s.clusterModuleChecks()

	fmt.Printf("%d passed, %d failed\n", s.passed, s.failed)
	if s.failed > 0 {
		os.Exit(1)
	}
}
