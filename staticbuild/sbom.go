package staticbuild

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/sbom"
)

// sbomStep writes a CycloneDX document per binary, read from the
// binary's own build information, named like the archives with the
// binary's name: server_1.2.3_linux_amd64.sbom.json. Documents are written
// in parallel, and one whose binary has not changed is kept.
var sbomStep = Step{Name: "sbom", run: func(ctx context.Context, r *Run) (string, error) {
	bins := r.Artifacts.Of(artifact.Binary)
	made := make([]artifact.Artifact, len(bins))
	err := forEach(ctx, "sbom", r.Config.Jobs, len(bins), func(i int) (err error) {
		made[i], err = writeSBOM(r.tx, r.Config.Archive.Name, r.Version, r.Commit, r.Time, bins[i])
		return err
	})
	if err != nil {
		return "", err
	}
	for _, a := range made {
		r.setArtifact(a)
	}
	return fmt.Sprintf("%d documents", len(made)), nil
}}

// writeSBOM stages the CycloneDX document of the binary b, named by the
// archive name template, for the given version, commit and build time,
// unless the one in dist was made from the same binary. It fails naming
// the binary and platform when the binary's build information cannot be
// read.
func writeSBOM(tx *transaction, nameTmpl, version, commit string, t time.Time, b artifact.Artifact) (artifact.Artifact, error) {
	pl, err := platform.Parse(b.Platform)
	if err != nil {
		return artifact.Artifact{}, err
	}
	base, err := execTemplate(nameTmpl, archiveFields, archiveData(b.Binary, version, pl))
	if err != nil {
		return artifact.Artifact{}, fmt.Errorf("Config.Archive.Name: %w", err)
	}
	rel, err := cleanRel(base + ".sbom.json")
	if err != nil {
		return artifact.Artifact{}, err
	}
	a := artifact.Artifact{Name: rel, Path: rel, Kind: artifact.SBOM, Binary: b.Binary,
		Platform: b.Platform, OS: b.OS, Arch: b.Arch, Variant: b.Variant, Version: version, Commit: commit}
	key := hashStrings("sbom 1", rel, path.Base(b.Path), b.SHA256, version, t.UTC().String())
	if tx.state.current(tx.dist, rel, key) {
		if err := fill(&a, tx.path(rel)); err == nil {
			return a, nil
		}
	}
	data, err := sbom.FromBinary(tx.path(b.Path), sbom.Options{Version: version, Time: t, Platform: b.Platform, Name: path.Base(b.Path)})
	if err != nil {
		return a, fmt.Errorf("sbom of %s for %s: %w", b.Binary, b.Platform, err)
	}
	tmp, err := tx.stage(rel)
	if err != nil {
		return a, err
	}
	if err := atomicfile.WriteFile(tmp, data); err != nil {
		return a, fmt.Errorf("writing %s: %w", rel, err)
	}
	tx.setKey(rel, key)
	return a, fill(&a, tmp)
}
