//go:build mage

// Magestatic's own magefile builds and releases the example programs with
// the library, both in one release: one archive per platform holds hello and
// netuser, a multi-platform container image holds hello, deb, rpm and apk
// packages hold both for each linux platform, and a universal macOS binary
// joins the two darwin builds of each.
package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
	//mage:import images
	"github.com/magestatic/magestatic/staticbuild/images"
	"github.com/magestatic/magestatic/staticbuild/linuxpkg"
	"github.com/magestatic/magestatic/staticbuild/universal"
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
			linuxpkg.Step(linuxpkg.Package{
				Maintainer:  "magestatic <magestatic@example.invalid>",
				Description: "magestatic's example programs\nhello greets; netuser looks a user up.",
				License:     "BSD-3-Clause",
				Homepage:    "https://github.com/magestatic/magestatic",
			}),
			universal.Step(universal.Options{}),
		},
	}
}
