package staticbuild_test

import (
	"context"
	"log"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// A release with a step of the magefile's own between the size gate and
// the archives.
func ExampleRelease() {
	sign := func(ctx context.Context, r *staticbuild.Run) error {
		for _, b := range r.Artifacts.Of(artifact.Binary) {
			sig := artifact.Artifact{Path: b.Path + ".sig", Kind: "signature", Binary: b.Binary, Platform: b.Platform}
			if err := r.WriteFile(sig, []byte("signed "+b.SHA256+"\n")); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := (staticbuild.Config{
		Binaries: []staticbuild.Binary{{Main: "./cmd/server"}, {Main: "./cmd/cli"}},
		Steps:    []staticbuild.Step{{Name: "sign", After: "sizegate", Run: sign}},
	}).Release(context.Background())
	if err != nil {
		log.Fatal(err)
	}
}
