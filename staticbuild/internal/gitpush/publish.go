package gitpush

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/tap"
)

// Publish pushes files to repo (see Push) with the message message, for
// the step named step, and logs what it did: the commit, or that the
// repository holds the files already. A snapshot (Config.Snapshot) is
// never pushed: Publish logs so and does nothing. A nil repo does
// nothing.
func Publish(ctx context.Context, r *staticbuild.Run, step string, repo *tap.Repo, files map[string][]byte, message string) error {
	if repo == nil {
		return nil
	}
	names := strings.Join(slices.Sorted(maps.Keys(files)), ", ")
	if r.Config.Snapshot {
		r.Logf("%s: a snapshot is not pushed to %s: wrote %s in %s only\n", step, repo.URL, names, r.Dist)
		return nil
	}
	commit, err := Push(ctx, *repo, r.Environ(), files, message)
	if err != nil {
		return err
	}
	if commit == "" {
		r.Logf("%s: %s (branch %s) holds %s already: nothing to push\n", step, repo.URL, branch(*repo), names)
		return nil
	}
	r.Logf("%s: pushed %s to %s (branch %s): commit %.12s %q\n", step, names, repo.URL, branch(*repo), commit, message)
	return nil
}
