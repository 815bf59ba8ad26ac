// Package universal adds macOS universal binaries to a release: for each
// binary built for both darwin/amd64 and darwin/arm64, one file holding
// both, as lipo -create writes it, named and archived like a platform of
// its own, darwin/all (app_1.2.3_darwin_all.tar.gz), as GoReleaser names
// it. Add its step to the release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			universal.Step(universal.Options{}),
//		}
//	}
//
// The file is written without Apple's tools, verified slice by slice with
// the rules of package verify, and listed in artifacts.json. A magefile
// that does not import the package compiles none of it.
package universal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/macho"
	"github.com/magestatic/magestatic/verify"
)

// platformAll is the platform of the universal binaries in artifacts.json.
const platformAll = "darwin/all"

// Options configures the step.
type Options struct {
	// Binaries are the names of the binaries to join. Default: every
	// binary built for both darwin/amd64 and darwin/arm64; a binary built
	// for only one of them stays thin, with a note in the log.
	Binaries []string `json:",omitempty"`
	// Replace ships the universal binaries instead of the thin ones they
	// join: those are left out of artifacts.json, dist/ and the darwin
	// archives, and an archive left with no binary is not written. Their
	// SBOMs stay, as those of the universal binary's slices, which are
	// the thin files byte for byte. Default: beside them.
	Replace bool `json:",omitempty"`
}

// Step returns the release step that writes the universal binaries and
// their archive after the SBOMs. In a release built in shards, where the
// two darwin builds may come from different jobs, it runs in Merge.
func Step(o Options) staticbuild.Step {
	key, _ := json.Marshal(o)
	return staticbuild.Step{Name: "universal", After: "sbom", Whole: true, Key: "universal 1 " + string(key),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return o.check() },
		Run:   func(ctx context.Context, r *staticbuild.Run) error { return run(ctx, r, o) }}
}

// check checks the options before anything builds.
func (o Options) check() error {
	for i, n := range o.Binaries {
		if n == "" || strings.ContainsAny(n, `/\`) || slices.Contains(o.Binaries[:i], n) {
			return fmt.Errorf("Options.Binaries[%d] %q: want the name of a binary, once", i, n)
		}
	}
	return nil
}

// pair is the two darwin builds of one binary.
type pair struct{ amd64, arm64 artifact.Artifact }

// run writes, verifies and archives the universal binaries.
func run(ctx context.Context, r *staticbuild.Run, o Options) error {
	pairs, err := pairs(r, o)
	if err != nil || len(pairs) == 0 {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(pairs)) {
		if err := join(r, name, pairs[name]); err != nil {
			return err
		}
	}
	if err := r.ArchivePlatform(ctx, platformAll); err != nil {
		return fmt.Errorf("universal: %w", err)
	}
	if !o.Replace {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(pairs)) {
		r.Remove(pairs[name].amd64.Path)
		r.Remove(pairs[name].arm64.Path)
	}
	for _, pl := range []string{"darwin/amd64", "darwin/arm64"} {
		if err := r.ArchivePlatform(ctx, pl); err != nil {
			return fmt.Errorf("universal: %w", err)
		}
	}
	r.Logf("universal: the thin darwin binaries they join are not shipped (Replace)\n")
	return nil
}

// pairs finds the binaries to join, by name, and notes those left thin.
func pairs(r *staticbuild.Run, o Options) (map[string]pair, error) {
	found := map[string]*pair{}
	var names []string
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		if b.OS != "darwin" || b.Variant != "" || (b.Arch != "amd64" && b.Arch != "arm64") {
			continue
		}
		p := found[b.Binary]
		if p == nil {
			p = &pair{}
			found[b.Binary] = p
			names = append(names, b.Binary)
		}
		if b.Arch == "amd64" {
			p.amd64 = b
		} else {
			p.arm64 = b
		}
	}
	for _, n := range o.Binaries {
		if found[n] == nil {
			return nil, fmt.Errorf("universal: Options.Binaries names %q, but the release has no darwin/amd64 or darwin/arm64 binary of that name (it has %s): correct the name or add the darwin platforms", n, list(names))
		}
	}
	out := map[string]pair{}
	for _, n := range names {
		p := found[n]
		if len(o.Binaries) > 0 && !slices.Contains(o.Binaries, n) {
			continue
		}
		switch {
		case p.amd64.Path == "":
			r.Logf("universal: %s is built for darwin/arm64 only: left thin\n", n)
		case p.arm64.Path == "":
			r.Logf("universal: %s is built for darwin/amd64 only: left thin\n", n)
		default:
			out[n] = *p
		}
	}
	if len(out) == 0 {
		r.Logf("universal: no binary is built for both darwin/amd64 and darwin/arm64: no universal binary\n")
	}
	return out, nil
}

// join writes the universal binary of one pair, verifies it and lists it.
func join(r *staticbuild.Run, name string, p pair) error {
	start := time.Now()
	if !sameBuild(p.amd64.Build, p.arm64.Build) {
		return fmt.Errorf("universal: %s: the darwin/amd64 and darwin/arm64 builds differ in cgo mode, tags or -X values, but the slices of one file are judged by one policy: build them alike, or leave %s out of Options.Binaries", name, name)
	}
	rel, err := r.BinaryPath(name, platformAll)
	if err != nil {
		return fmt.Errorf("universal: %s: %w", name, err)
	}
	tmp, err := r.StageDir(rel)
	if err != nil {
		return err
	}
	archs, err := macho.Create(tmp, r.Path(p.amd64), r.Path(p.arm64))
	if err != nil {
		return fmt.Errorf("universal: %s: %w", name, err)
	}
	a := artifact.Artifact{Path: rel, Kind: artifact.Binary, Binary: name, Platform: platformAll, OS: "darwin", Arch: "all"}
	if p.amd64.Build != nil {
		b := *p.amd64.Build
		b.Key = ""
		a.Build = &b
	}
	if err := r.Add(a); err != nil {
		return err
	}
	rep, err := verify.Check(tmp, r.Policy(a))
	if err != nil {
		return fmt.Errorf("universal: %s: %w", rel, err)
	}
	if !rep.OK {
		return fmt.Errorf("universal: %s (%s) fails verification:\n  %s", rel, platformAll, strings.Join(rep.Problems, "\n  "))
	}
	var parts []string
	var size uint64
	for _, s := range archs {
		parts = append(parts, fmt.Sprintf("%s %d", s.Name, s.Size))
		size = max(size, s.Offset+s.Size)
	}
	r.Logf("universal: %s: %s bytes -> %s, %d bytes, verified (%.3fs)\n", name, strings.Join(parts, " + "),
		path.Join(filepath.Base(r.Dist), rel), size, time.Since(start).Seconds())
	return nil
}

// sameBuild reports whether two builds are judged alike.
func sameBuild(a, b *artifact.Build) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.Key, y.Key = "", ""
	return reflect.DeepEqual(x, y)
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
