// Command prog is the program whose binaries the tests of package pkgsize
// read.
package main

import (
	"fmt"
	"os"

	"github.com/magestatic/magestatic/verify/pkgsize/testdata/prog/yaml.v3"
)

func main() {
	var s yaml.Stack[string]
	for _, a := range os.Args {
		s.Push(a)
	}
	fmt.Println(s.Len(), yaml.Count(os.Args))
}
