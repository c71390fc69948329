// Command vcsimrest serves govmomi's own simulator (vcsim 0.24.2) with its default VPX
// inventory and its REST endpoints on a loopback port, and prints its URL the way vcsim does.
// It is only a reference to compare answers with; it is known to differ from vCenter.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/cluster/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	useTLS := flag.Bool("tls", true, "serve HTTPS with a generated certificate")
	flag.Parse()

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0"}
	model.Service.RegisterEndpoints = true
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()
	fmt.Printf("export GOVC_URL=%s GOVC_SIM_PID=%d\n", server.URL, os.Getpid())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
