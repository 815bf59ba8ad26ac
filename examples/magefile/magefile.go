//go:build mage

// This is a magefile for a project that ships a Go program with magestatic.
// Copy it to magefiles/magefile.go (or magefile.go) at the root of your
// module, then:
//
//	go get -tool github.com/magefile/mage
//	go get github.com/magestatic/magestatic
//	go tool mage -l
//
// A module with exactly one main package needs only the import; everything
// in init below is optional.
package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		// The main package, when the module has more than one.
		Main: "./cmd/app",
		// The matrix; MAGESTATIC_PLATFORMS=linux/amd64,linux/arm64 overrides it.
		Platforms: []string{
			"linux/amd64", "linux/arm64", "linux/arm/7",
			"darwin/amd64", "darwin/arm64",
			"windows/amd64",
		},
		// Variables of your own that receive the stamped values, besides
		// those of github.com/magestatic/magestatic/version.
		Stamp: staticbuild.Stamp{
			Version: []string{"main.version"},
			Time:    []string{"main.buildTime"},
		},
		// Fail SizeGate when a binary passes 50 MB or grows 10% over the
		// baseline written by "mage sizebaseline".
		Size: staticbuild.Size{Budget: "50MB", MaxGrowth: "10%"},
	}
}
