//go:build mage

// Magestatic's own magefile builds and releases the example programs with
// the library, both in one release: one archive per platform holds hello and
// netuser, and a multi-platform container image holds hello.
package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
	//mage:import images
	"github.com/magestatic/magestatic/staticbuild/images"
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
		Steps: []staticbuild.Step{
			images.Step(images.Image{Name: "ghcr.io/magestatic/hello", Binaries: []string{"hello"}}),
		},
	}
}
