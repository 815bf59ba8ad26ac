//go:build mage

// Magestatic's own magefile builds and releases the examples with the library.
package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		Name: "hello",
		Main: "./examples/hello",
		// The examples are released from whatever commit is checked out,
		// tagged or not. A real project leaves this false, so that release
		// insists on a tag and a clean tree.
		Snapshot: true,
	}
}
