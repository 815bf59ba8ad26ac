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
	}
}
