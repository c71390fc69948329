package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// anonymous is a vim25 client that has fetched the ServiceContent but never logged in.
func (s *suite) anonymous(ctx context.Context) (*vim25.Client, error) {
	u := *s.url
	u.User = nil
	return vim25.NewClient(ctx, soap.NewClient(&u, s.insecure))
}

func (s *suite) sessionChecks() {
	s.check("login: govmomi.NewClient reads ServiceContent and logs in (apiType VirtualCenter)", func(ctx context.Context) error {
		c, err := s.login(ctx)
		if err != nil {
			return err
		}
		s.c = c
		s.pc = property.DefaultCollector(c.Client)
		s.finder = find.NewFinder(c.Client, true)
		if about := c.ServiceContent.About; about.ApiType != "VirtualCenter" || !c.IsVC() {
			return fmt.Errorf("about.apiType = %q", about.ApiType)
		}
		return nil
	})

	s.check("login: SessionManager.currentSession names the user", func(ctx context.Context) error {
		us, err := session.NewManager(s.c.Client).UserSession(ctx)
		if err != nil {
			return err
		}
		if us == nil || us.UserName != s.url.User.Username() || us.Key == "" {
			return fmt.Errorf("currentSession = %+v", us)
		}
		return nil
	})

	s.check("login: wrong password -> SOAP fault InvalidLogin", func(ctx context.Context) error {
		c, err := s.anonymous(ctx)
		if err != nil {
			return err
		}
		err = session.NewManager(c).Login(ctx, url.UserPassword(s.url.User.Username(), "not-the-password"))
		_, err = soapFault(err, "InvalidLogin")
		return err
	})

	s.check("login: no session -> RetrieveProperties fails with NotAuthenticated", func(ctx context.Context) error {
		c, err := s.anonymous(ctx)
		if err != nil {
			return err
		}
		var root mo.Folder
		err = property.DefaultCollector(c).RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &root)
		_, err = soapFault(err, "NotAuthenticated")
		return err
	})

	s.check("logout: after Logout calls fail with NotAuthenticated; SessionIsActive turns false", func(ctx context.Context) error {
		c, err := s.login(ctx)
		if err != nil {
			return err
		}
		ok, err := c.SessionManager.SessionIsActive(ctx)
		if err != nil || !ok {
			return fmt.Errorf("session not active before logout: %v %v", ok, err)
		}
		us, err := c.SessionManager.UserSession(ctx)
		if err != nil {
			return err
		}
		if err := c.Logout(ctx); err != nil {
			return fmt.Errorf("logout: %v", err)
		}
		var root mo.Folder
		err = property.DefaultCollector(c.Client).RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &root)
		if _, err := soapFault(err, "NotAuthenticated"); err != nil {
			return err
		}
		res, err := methods.SessionIsActive(ctx, s.c.Client, &types.SessionIsActive{
			This: *s.c.ServiceContent.SessionManager, SessionID: us.Key, UserName: us.UserName,
		})
		if err != nil {
			return fmt.Errorf("SessionIsActive from another session: %v", err)
		}
		if res.Returnval {
			return fmt.Errorf("SessionIsActive is still true for the logged-out session")
		}
		return nil
	})

	s.check("logout: the first session survives another session's logout", func(ctx context.Context) error {
		var root mo.Folder
		if err := s.pc.RetrieveOne(ctx, s.c.ServiceContent.RootFolder, []string{"name"}, &root); err != nil {
			return err
		}
		if root.Name == "" {
			return fmt.Errorf("root folder has no name")
		}
		return nil
	})

	s.check("session: CurrentTime answers a time", func(ctx context.Context) error {
		t, err := methods.GetCurrentTime(ctx, s.c.Client)
		if err != nil {
			return err
		}
		if t.IsZero() || t.Year() < 2000 {
			return fmt.Errorf("CurrentTime = %v", t)
		}
		return nil
	})
}
