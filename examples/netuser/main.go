// Command netuser looks up the current user and a host name. It uses the net
// and os/user packages, which call into the C library when cgo is enabled:
// built with CGO_ENABLED=0 it is static, built with cgo it links libc
// dynamically. It is the fixture that shows what Verify catches.
package main

import (
	"fmt"
	"net"
	"os"
	"os/user"

	"github.com/magestatic/magestatic/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version.Get().Long())
		return
	}
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, "netuser:", err)
		os.Exit(1)
	}
	host := "localhost"
	if len(os.Args) > 1 {
		host = os.Args[1]
	}
	addrs, err := net.LookupHost(host)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netuser:", err)
		os.Exit(1)
	}
	fmt.Printf("user %s (uid %s); %s is %v\n", u.Username, u.Uid, host, addrs)
}
