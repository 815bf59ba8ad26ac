package engine_test

import (
	"context"
	"log"
	"os"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/engine"
)

// A magefile target that builds and checks the binaries, writes a file of
// its own per binary, and lists everything in dist/artifacts.json.
func Example() {
	ctx := context.Background()
	r, err := engine.New(engine.Config{Platforms: []string{"linux/amd64", "darwin/arm64"}})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	if err := r.Build(ctx); err != nil {
		log.Fatal(err)
	}
	if err := r.Verify(ctx); err != nil {
		log.Fatal(err)
	}
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		fi, err := os.Stat(r.Path(b))
		if err != nil {
			log.Fatal(err)
		}
		note := artifact.Artifact{Path: b.Path + ".txt", Kind: "note", Binary: b.Binary, Platform: b.Platform}
		if err := r.WriteFile(note, []byte(fi.Mode().String()+"\n")); err != nil {
			log.Fatal(err)
		}
	}
	if err := r.Manifest(ctx); err != nil {
		log.Fatal(err)
	}
}

// A release with a step of the magefile's own between the size gate and
// the archives.
func ExampleRelease() {
	sign := func(ctx context.Context, r *engine.Run) error {
		for _, b := range r.Artifacts.Of(artifact.Binary) {
			sig := artifact.Artifact{Path: b.Path + ".sig", Kind: "signature", Binary: b.Binary, Platform: b.Platform}
			if err := r.WriteFile(sig, []byte("signed "+b.SHA256+"\n")); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := engine.Release(context.Background(), engine.Config{
		Binaries: []engine.Binary{{Main: "./cmd/server"}, {Main: "./cmd/cli"}},
		Steps:    []engine.Step{{Name: "sign", After: "sizegate", Run: sign}},
	})
	if err != nil {
		log.Fatal(err)
	}
}
