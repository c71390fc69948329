package main

import (
	"bytes"
	"context"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"
)

// folderChecks drive /folder as govmomi does with GOVMOMI_USE_SERVICE_TICKET set (a service
// ticket per request, sent as the vmware_cgi_ticket cookie by a client without a session), and
// read its listings of datacenters and datastores.
func (s *suite) folderChecks() {
	const file = "conformance/ticketed.txt"
	content := []byte("put with a service ticket\n")
	// Set by the first check: LocalDS_0, and a client that never logs in (no session cookie).
	var ds *object.Datastore
	var anon *soap.Client

	// ticketed is Datastore.ServiceTicket with GOVMOMI_USE_SERVICE_TICKET set: govmomi addresses
	// the request to a host's management address, which the simulator serves itself on its port.
	ticketed := func(ctx context.Context, path, method string) (*url.URL, *http.Cookie, error) {
		os.Setenv("GOVMOMI_USE_SERVICE_TICKET", "1")
		defer os.Unsetenv("GOVMOMI_USE_SERVICE_TICKET")
		u, ticket, err := ds.ServiceTicket(ctx, path, method)
		if err != nil {
			return nil, nil, err
		}
		if ticket == nil || ticket.Name != "vmware_cgi_ticket" {
			return nil, nil, fmt.Errorf("no service ticket for %s %s", method, u)
		}
		if u.Query().Get("dcPath") != "" {
			return nil, nil, fmt.Errorf("the ticketed URL %s keeps dcPath", u)
		}
		u.Scheme, u.Host = s.url.Scheme, s.url.Host
		return u, ticket, nil
	}
	download := func(ctx context.Context, u *url.URL, ticket *http.Cookie) ([]byte, error) {
		p := soap.DefaultDownload
		p.Ticket = ticket
		r, _, err := anon.Download(ctx, u, &p)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return ioutil.ReadAll(r)
	}
	unauthorized := func(err error) error {
		if err == nil || !strings.Contains(err.Error(), "401") {
			return fmt.Errorf("want 401 Unauthorized, got %v", err)
		}
		return nil
	}

	s.check("datastore.upload with GOVMOMI_USE_SERVICE_TICKET: AcquireGenericServiceTicket for the PUT, the upload sends only the ticket, which is spent", func(ctx context.Context) error {
		var err error
		if ds, err = s.finder.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
		u := *s.url
		u.User = nil
		anon = soap.NewClient(&u, s.insecure)
		at, ticket, err := ticketed(ctx, file, "PUT")
		if err != nil {
			return err
		}
		p := soap.DefaultUpload
		p.Ticket = ticket
		p.ContentLength = int64(len(content))
		if err := anon.Upload(ctx, bytes.NewReader(content), at, &p); err != nil {
			return err
		}
		return unauthorized(anon.Upload(ctx, bytes.NewReader(content), at, &p))
	})

	s.check("datastore.download with GOVMOMI_USE_SERVICE_TICKET: a GET ticket reads the bytes back; one for another file is refused (401)", func(ctx context.Context) error {
		at, ticket, err := ticketed(ctx, file, "GET")
		if err != nil {
			return err
		}
		got, err := download(ctx, at, ticket)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, content) {
			return fmt.Errorf("%s holds %q, want %q", file, got, content)
		}
		_, other, err := ticketed(ctx, "conformance/other.txt", "GET")
		if err != nil {
			return err
		}
		_, err = download(ctx, at, other)
		return unauthorized(err)
	})

	s.check("/folder lists the datacenters, /folder?dcPath=DC0 its datastores, with the session", func(ctx context.Context) error {
		read := func(rawQuery string) (string, error) {
			u := &url.URL{Scheme: s.url.Scheme, Host: s.url.Host, Path: "/folder", RawQuery: rawQuery}
			r, _, err := s.c.Client.Download(ctx, u, &soap.DefaultDownload)
			if err != nil {
				return "", err
			}
			defer r.Close()
			b, err := ioutil.ReadAll(r)
			return string(b), err
		}
		dcPath := strings.TrimPrefix(s.dc.InventoryPath, "/")
		root, err := read("")
		if err != nil {
			return err
		}
		if want := fmt.Sprintf(`href="/folder?dcPath=%s"`, url.QueryEscape(dcPath)); !strings.Contains(root, want) {
			return fmt.Errorf("no %s in %s", want, root)
		}
		listing, err := read("dcPath=" + url.QueryEscape(dcPath))
		if err != nil {
			return err
		}
		datastores, err := s.finder.DatastoreList(ctx, "*")
		if err != nil {
			return err
		}
		for _, d := range datastores {
			if want := fmt.Sprintf("&amp;dsName=%s\"", url.QueryEscape(d.Name())); !strings.Contains(listing, want) {
				return fmt.Errorf("no link to %s in %s", d.Name(), listing)
			}
		}
		return nil
	})
}
