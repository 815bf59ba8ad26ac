// Command x509 loads the system certificate pool, which makes a darwin binary
// load the CoreFoundation and Security frameworks. It is a fixture for
// verify's tests.
package main

import (
	"crypto/x509"
	"fmt"
)

func main() {
	pool, err := x509.SystemCertPool()
	fmt.Println(pool != nil, err)
}
