package staticbuild

import (
	"cmp"
	"context"
	"fmt"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
)

// checksumsStep writes the checksum file over every artifact of the run
// but the binaries (archives, SBOMs and what the magefile's steps added),
// in the format sha256sum -c checks. It needs the whole release: a shard
// writes none, and Merge writes the release's.
var checksumsStep = Step{Name: "checksums", Whole: true, run: func(ctx context.Context, r *Run) (string, error) {
	name := checksumName(r.Config.Archive)
	var sums []archive.Sum
	for _, a := range r.Artifacts {
		if a.Kind != artifact.Binary && a.Kind != artifact.Checksums {
			sums = append(sums, archive.Sum{Name: a.Path, SHA256: a.SHA256})
		}
	}
	tmp, err := r.tx.stage(name)
	if err != nil {
		return "", err
	}
	if err := archive.WriteChecksums(tmp, sums); err != nil {
		return "", err
	}
	a := artifact.Artifact{Name: name, Path: name, Kind: artifact.Checksums, Version: r.Version, Commit: r.Commit}
	if err := fill(&a, r.Path(a)); err != nil {
		return "", err
	}
	r.tx.setKey(name, a.SHA256)
	r.setArtifact(a)
	return fmt.Sprintf("%d files", len(sums)), nil
}}

// checksumName is the checksum file's name: a.Checksums, else SHA256SUMS.
func checksumName(a Archive) string {
	return cmp.Or(a.Checksums, "SHA256SUMS")
}
