//go:build mage

// Magestatic's own magefile builds and releases the example programs with
// the library, both in one release: one archive per platform holds hello and
// netuser.
package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		Name: "examples",
		Binaries: []staticbuild.Binary{
			{Main: "./examples/hello"},
			{Main: "./examples/netuser"},
		},
		// The examples are released from whatever commit is checked out,
		// tagged or not. A real project leaves this false, so that release
		// insists on a tag and a clean tree.
		Snapshot: true,
	}
}
