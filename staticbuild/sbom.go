package staticbuild

import (
	"context"
	"fmt"
	"path"

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
		made[i], err = r.sbom(bins[i])
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

func (r *Run) sbom(b artifact.Artifact) (artifact.Artifact, error) {
	pl, err := platform.Parse(b.Platform)
	if err != nil {
		return artifact.Artifact{}, err
	}
	base, err := execTemplate(r.Config.Archive.Name, archiveFields, r.archiveData(b.Binary, pl))
	if err != nil {
		return artifact.Artifact{}, fmt.Errorf("Config.Archive.Name: %w", err)
	}
	rel, err := cleanRel(base + ".sbom.json")
	if err != nil {
		return artifact.Artifact{}, err
	}
	a := artifact.Artifact{Name: rel, Path: rel, Kind: artifact.SBOM, Binary: b.Binary,
		Platform: b.Platform, OS: b.OS, Arch: b.Arch, Variant: b.Variant, Version: r.Version, Commit: r.Commit}
	key := hashStrings("sbom 1", rel, path.Base(b.Path), b.SHA256, r.Version, r.Time.UTC().String())
	if r.tx.state.current(r.Dist, rel, key) {
		if err := fill(&a, r.Path(a)); err == nil {
			return a, nil
		}
	}
	data, err := sbom.FromBinary(r.Path(b), sbom.Options{Version: r.Version, Time: r.Time, Platform: b.Platform, Name: path.Base(b.Path)})
	if err != nil {
		return a, fmt.Errorf("sbom of %s for %s: %w", b.Binary, b.Platform, err)
	}
	tmp, err := r.tx.stage(rel)
	if err != nil {
		return a, err
	}
	if err := atomicfile.WriteFile(tmp, data); err != nil {
		return a, fmt.Errorf("writing %s: %w", rel, err)
	}
	r.tx.setKey(rel, key)
	return a, fill(&a, r.Path(a))
}
