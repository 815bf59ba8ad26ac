// Command depapp is a test program with module dependencies, for the SBOM
// tests.
package main

import (
	"errors"
	"fmt"

	"example.com/localdep"
	"github.com/hashicorp/go-multierror"
)

var version = "dev"

func main() {
	err := multierror.Append(errors.New("first"), errors.New(localdep.Greeting()))
	fmt.Println(version, err.ErrorOrNil() != nil)
}
