package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vapi/vcenter"
)

// sameUser compares user names the way vCenter writes them (a domain may be added).
func sameUser(got, want string) bool {
	got, want = strings.ToLower(got), strings.ToLower(want)
	return got == want || strings.HasSuffix(got, `\`+want) || strings.HasPrefix(got, want+"@")
}

func (s *suite) sessionChecks() {
	s.check("soap login: govmomi.NewClient (the REST client is made from it)", func(ctx context.Context) error {
		c, err := govmomi.NewClient(ctx, s.url, s.insecure)
		if err != nil {
			return err
		}
		s.c = c
		s.pc = property.DefaultCollector(c.Client)
		s.finder = find.NewFinder(c.Client, true)
		return nil
	})

	s.check("rest login: rest.NewClient(vim).Login with Basic credentials returns a session id", func(ctx context.Context) error {
		rc := rest.NewClient(s.c.Client)
		if err := rc.Login(ctx, s.url.User); err != nil {
			return err
		}
		if rc.SessionID() == "" {
			return fmt.Errorf("empty session id")
		}
		s.rc = rc
		s.tags = tags.NewManager(rc)
		s.lib = library.NewManager(rc)
		s.vc = vcenter.NewManager(rc)
		return nil
	})

	s.check("rest session: Session() (POST ?~action=get) names the user", func(ctx context.Context) error {
		us, err := s.rc.Session(ctx)
		if err != nil {
			return err
		}
		if us == nil {
			return fmt.Errorf("no session")
		}
		if !sameUser(us.User, s.url.User.Username()) {
			return fmt.Errorf("user = %q, want %q", us.User, s.url.User.Username())
		}
		if us.Created.IsZero() || us.LastAccessed.Before(us.Created) {
			return fmt.Errorf("created_time %v, last_accessed_time %v", us.Created, us.LastAccessed)
		}
		return nil
	})

	s.check("rest session: the REST session id is not the SOAP session cookie", func(ctx context.Context) error {
		for _, cookie := range s.c.Client.Client.Jar.Cookies(s.c.Client.URL()) {
			if cookie.Value == s.rc.SessionID() || strings.Trim(cookie.Value, `"`) == s.rc.SessionID() {
				return fmt.Errorf("the REST session id equals cookie %s", cookie.Name)
			}
		}
		return nil
	})

	s.check("rest login: a wrong password is 401", func(ctx context.Context) error {
		rc := rest.NewClient(s.c.Client)
		err := rc.Login(ctx, url.UserPassword(s.url.User.Username(), "not-the-password"))
		if err := wantHTTP(err, http.StatusUnauthorized, ""); err != nil {
			return err
		}
		if rc.SessionID() != "" {
			return fmt.Errorf("session id %q after a failed login", rc.SessionID())
		}
		return nil
	})

	s.check("rest: a call without a session is 401 (tags.ListCategories)", func(ctx context.Context) error {
		anon := tags.NewManager(rest.NewClient(s.c.Client))
		_, err := anon.ListCategories(ctx)
		return wantHTTP(err, http.StatusUnauthorized, "")
	})

	s.check("rest: Session() without a session is nil, no error", func(ctx context.Context) error {
		us, err := rest.NewClient(s.c.Client).Session(ctx)
		if err != nil {
			return err
		}
		if us != nil {
			return fmt.Errorf("session %+v without logging in", us)
		}
		return nil
	})

	s.check("rest login by token: LoginByToken makes a REST session from the SOAP session", func(ctx context.Context) error {
		rc := rest.NewClient(s.c.Client)
		if err := rc.LoginByToken(ctx); err != nil {
			return err
		}
		us, err := rc.Session(ctx)
		if err != nil {
			return err
		}
		if us == nil || !sameUser(us.User, s.url.User.Username()) {
			return fmt.Errorf("session = %+v", us)
		}
		if rc.SessionID() == s.rc.SessionID() {
			return fmt.Errorf("the same session id as the Basic login")
		}
		if err := rc.Logout(ctx); err != nil {
			return fmt.Errorf("logout: %v", err)
		}
		// The REST clone ends; the SOAP session it came from does not.
		if us, err := session.NewManager(s.c.Client).UserSession(ctx); err != nil || us == nil {
			return fmt.Errorf("SOAP session after the REST logout: %+v, %v", us, err)
		}
		return nil
	})

	s.check("rest login by token: without a SOAP session it is 401", func(ctx context.Context) error {
		c, err := govmomi.NewClient(ctx, s.url, s.insecure)
		if err != nil {
			return err
		}
		if err := c.Logout(ctx); err != nil {
			return err
		}
		return wantHTTP(rest.NewClient(c.Client).LoginByToken(ctx), http.StatusUnauthorized, "")
	})

	s.check("rest logout: after Logout the session is gone (Session() nil, calls 401)", func(ctx context.Context) error {
		rc := rest.NewClient(s.c.Client)
		if err := rc.Login(ctx, s.url.User); err != nil {
			return err
		}
		if err := rc.Logout(ctx); err != nil {
			return err
		}
		us, err := rc.Session(ctx)
		if err != nil {
			return err
		}
		if us != nil {
			return fmt.Errorf("session %+v after logout", us)
		}
		_, err = tags.NewManager(rc).ListTags(ctx)
		if err := wantHTTP(err, http.StatusUnauthorized, ""); err != nil {
			return fmt.Errorf("ListTags after logout: %v", err)
		}
		// Another REST session is untouched.
		if us, err := s.rc.Session(ctx); err != nil || us == nil {
			return fmt.Errorf("the other REST session after this logout: %+v, %v", us, err)
		}
		return nil
	})

	s.check("rest: the client's own requests reach /rest/vcenter/vm (the default VMs listed)", func(ctx context.Context) error {
		var vms []struct {
			VM         string `json:"vm"`
			Name       string `json:"name"`
			PowerState string `json:"power_state"`
		}
		req := s.rc.Resource("/vcenter/vm").WithParam("filter.names", "DC0_H0_VM0").Request(http.MethodGet)
		if err := s.rc.Do(ctx, req, &vms); err != nil {
			return err
		}
		if len(vms) != 1 || vms[0].Name != "DC0_H0_VM0" || vms[0].PowerState != "POWERED_ON" {
			return fmt.Errorf("vms = %+v", vms)
		}
		vm, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
		if err != nil {
			return err
		}
		if vms[0].VM != vm.Reference().Value {
			return fmt.Errorf("REST vm %s, SOAP moref %s", vms[0].VM, vm.Reference().Value)
		}
		return nil
	})
}
