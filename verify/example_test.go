package verify_test

import (
	"fmt"
	"log"

	"github.com/magestatic/magestatic/verify"
)

// Judge a binary by what it is: that it loads nothing its platform may lack.
func ExampleCheck() {
	r, err := verify.Check("dist/myapp", verify.Policy{})
	if err != nil {
		log.Fatal(err) // not an executable at all
	}
	fmt.Println(r.OK, r.Cgo, r.Linkage) // "true static static" for a static cgo build
}

// Check a release binary cross-compiled for darwin: pure Go, reproducible,
// stamped with its version.
func ExampleCheck_release() {
	r, err := verify.Check("dist/myapp_darwin_arm64", verify.Policy{
		GOOS:     "darwin",
		GOARCH:   "arm64",
		PureGo:   true,
		Trimpath: true,
		Release:  true,
		Stamped:  map[string]string{"main.version": "v1.2.3"},
	})
	if err != nil {
		log.Fatal(err) // not an executable at all
	}
	if !r.OK {
		log.Fatal(r) // the path, then one line per problem
	}
	fmt.Println(r.Libraries)
}

// A cgo build linked statically, with the pure-Go resolver and user lookup.
func ExampleCheck_cgo() {
	r, err := verify.Check("dist/myapp_linux_amd64", verify.Policy{
		GOOS:        "linux",
		GOARCH:      "amd64",
		Cgo:         true,
		RequireTags: []string{"netgo", "osusergo"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Linkage) // "static" when it passes
}
