//go:build mage

// This is a magefile for a project that ships Go programs with magestatic.
// Copy it to magefiles/magefile.go at the root of your module (there the
// build tag above is not needed), then:
//
//	go get -tool github.com/magefile/mage
//	go get github.com/magestatic/magestatic
//	go tool mage -l
//
// A module with one main package, or with its programs under cmd/, needs
// only the import; everything in init below is optional.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"

	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		// The programs, when the module does not keep them under cmd/ or
		// when one needs settings of its own.
		Binaries: []staticbuild.Binary{
			{Main: "./cmd/server", Budget: "40MB"},
			{Main: "./cmd/cli", Platforms: []string{"linux/amd64", "darwin/arm64", "windows/amd64"}},
		},
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
		// Each archive holds its files in a directory named after the
		// project: app/server, app/cli, app/README.md.
		Archive: staticbuild.Archive{Dir: "{{.Name}}"},
		// A step of your own between two of release's: here, after the
		// size gate and before the archives, one signature file per binary,
		// which the manifest and SHA256SUMS list.
		Steps: []staticbuild.Step{{Name: "sign", After: "sizegate", Run: sign}},
	}
}

// sign writes a signature file beside each binary. A real project calls its
// signing tool here (cosign, gpg, signtool); this one writes a keyed hash.
func sign(ctx context.Context, r *staticbuild.Run) error {
	key := []byte(os.Getenv("SIGNING_KEY"))
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		data, err := os.ReadFile(r.Path(b))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(append(key, data...))
		sig := artifact.Artifact{Path: b.Path + ".sig", Kind: "signature", Binary: b.Binary, Platform: b.Platform}
		if err := r.WriteFile(sig, []byte(hex.EncodeToString(sum[:])+"\n")); err != nil {
			return err
		}
	}
	return nil
}
