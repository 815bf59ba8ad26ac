package staticbuild

import (
	"context"
	"fmt"
	"slices"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/verify"
)

// This file holds what a magefile's step needs to add binaries of its own
// after the archive step, as the universal package's step adds darwin/all
// binaries made of the darwin/amd64 and darwin/arm64 ones.

// BinaryPath returns where Config.Output puts the binary name built for
// the platform pl ("os/arch" or "os/arch/variant"; the arch may be one
// of the step's own, such as "all"), relative to Dist.
func (r *Run) BinaryPath(name, pl string) (string, error) {
	p, err := platform.Parse(pl)
	if err != nil {
		return "", err
	}
	out, err := execTemplate(r.Config.Output, outputFields, map[string]string{
		"Name": name, "Project": r.src.project, "OS": p.OS, "Arch": p.Arch, "Variant": p.Variant,
		"Platform": p.Suffix(), "Ext": p.Ext(),
	})
	if err != nil {
		return "", fmt.Errorf("Config.Output: %w", err)
	}
	return cleanRel(out)
}

// Policy returns the policy Verify judges the binary b by.
func (r *Run) Policy(b artifact.Artifact) verify.Policy {
	return policy(b, r.release && !r.Config.Snapshot)
}

// Remove drops the artifact at rel (relative to Dist) from the run: its
// new file, if the run made one, is discarded, a file an earlier run left
// there is removed when the manifest step puts the run's files in place, and the
// manifest does not list it.
func (r *Run) Remove(rel string) {
	r.tx.remove(rel)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Artifacts = slices.DeleteFunc(r.Artifacts, func(a artifact.Artifact) bool { return a.Path == rel })
}

// ArchivePlatform writes the archive of the platform pl again from the
// binaries of pl the run lists now, as Archive does (Config.Archive's
// name, format and extra files), and lists it; with no binary of pl left,
// it removes pl's archive from the run. A step that adds or removes
// binaries after the archive step calls it.
func (r *Run) ArchivePlatform(ctx context.Context, pl string) error {
	p, err := platform.Parse(pl)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("archive cancelled: %w", context.Cause(ctx))
	}
	grp := platformGroup{platform: p}
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		if b.Platform == p.String() {
			grp.bins = append(grp.bins, b)
		}
	}
	if len(grp.bins) == 0 {
		for _, a := range r.Artifacts.Of(artifact.Archive) {
			if a.Platform == p.String() {
				r.Remove(a.Path)
			}
		}
		return nil
	}
	ar, err := newArchiver(r)
	if err != nil {
		return err
	}
	a, _, err := ar.write(grp)
	if err != nil {
		return err
	}
	r.setArtifact(a)
	return nil
}

// Project returns the project's name, which starts the archives' names,
// once the source is read: in a Step's Check and Run.
func (r *Run) Project() string {
	if r.src == nil {
		return ""
	}
	return r.src.project
}

// BinaryNames returns the names of the project's binaries, in order, once
// the source is read: in a Step's Check and Run.
func (r *Run) BinaryNames() []string {
	if r.src == nil {
		return nil
	}
	var names []string
	for _, t := range r.src.targets {
		names = append(names, t.Name)
	}
	return names
}

// MatrixFrom names where the run's matrix (Config.Platforms, resolved)
// comes from, for a step's messages: "MAGESTATIC_PLATFORMS" when that
// variable set it, else "Config.Platforms".
func (r *Run) MatrixFrom() string { return matrixField(r.env) }

// AddKey adds key to what the release's key depends on, for a step's
// Check that learns what its Step.Key cannot know ahead, such as a hash of
// the public key it signs with: a release whose Checks add another key is
// not a no-op. It must hold no secret. Unlike Step.Key, it is not part of
// the configuration the shards of a release must share, so a step whose
// Check adds nothing in a shard needs no secret there.
func (r *Run) AddKey(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scope.checkKeys = append(r.scope.checkKeys, key)
}
