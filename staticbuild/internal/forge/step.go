package forge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/notes"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// Publisher is what a forge's package (github, gitea) gives Step and
// PublishDist: how to reach the repository, and the release's settings.
type Publisher struct {
	// Name names the step ("github") and starts its log lines and
	// PublishDist's errors (the step's errors get it from the release).
	Name string
	// Key is the forge's own settings, such as the repository and the
	// API's URL, as any string: part of the step's Key. It must hold no
	// secret.
	Key string
	// Open returns the forge of the repository to publish to, with the
	// token it finds in the run's environment (Run.Getenv). Its error
	// names what is missing and how to give it, and never holds the token;
	// without a token it wraps ErrNoToken.
	Open func(ctx context.Context, r *staticbuild.Run) (Forge, error)
	// Title is the release's name. Default: the tag.
	Title string
	// Notes names a file of the project, such as "CHANGELOG.md", whose
	// section for the version is the release's notes, unless the run has
	// an artifact of kind "notes", whose file is. Default: notes made from
	// the commits since the previous tag.
	Notes string
	// Replace lets the publisher change a published release: one made for
	// another commit, or whose files differ from the release's. The files
	// that differ are deleted and uploaded again. It cannot change an
	// immutable release.
	Replace bool
	// Jobs is how many files are uploaded at once. Default: 4.
	Jobs int
}

// ErrNoToken is what Publisher.Open's error wraps when no token is found.
var ErrNoToken = errors.New("no token")

// Step returns the release step that publishes the release on the forge,
// after the checksum file is written and before the manifest step puts
// dist/ in place, so that a failed publish fails the release and leaves
// dist/ as it was; the release run again resumes the publish. In a
// release built in shards it runs in Merge. Its Check, before anything
// builds, asks the forge whether the token may write releases, the tag is
// on the forge at the commit released, and a published release for the
// tag, if any, was made for that commit (see Check); a shard, which
// publishes nothing, checks only when it finds a token. A snapshot is
// never published: the step says so and does nothing.
func Step(p Publisher) staticbuild.Step {
	key, _ := json.Marshal([]any{p.Name, p.Key, p.Title, p.Notes, p.Replace})
	return staticbuild.Step{Name: p.Name, After: "checksums", Whole: true, Key: "forge 1 " + string(key),
		Check: func(ctx context.Context, r *staticbuild.Run) error {
			if r.Config.Snapshot {
				return nil
			}
			var errs *multierror.Error
			if p.Notes != "" {
				if _, err := notes.FromChangelog(filepath.Join(r.Dir, filepath.FromSlash(p.Notes)), r.Version); err != nil {
					errs = multierror.Append(errs, err)
				}
			}
			f, err := p.Open(ctx, r)
			if err == nil {
				err = Check(ctx, f, p.want(r, tagOf(r), r.Commit, ""), p.Replace)
			}
			// A shard does not publish: it checks when it has a token,
			// and Merge checks again before it merges.
			if err != nil && !(r.Config.Shard != "" && errors.Is(err, ErrNoToken)) {
				errs = multierror.Append(errs, err)
			}
			return errlist.Lines(errs)
		},
		Run: func(ctx context.Context, r *staticbuild.Run) error {
			if r.Config.Snapshot {
				r.Logf("%s: %s is a snapshot: not published\n", p.Name, r.Version)
				return nil
			}
			files, err := Files(r.Artifacts, r.Path)
			if err != nil {
				return err
			}
			return p.publish(ctx, r, tagOf(r), r.Commit, r.Artifacts, r.Path, files)
		}}
}

// PublishDist publishes the release the last release target left in
// dist/, as the step would have: it reads dist/artifacts.json, checks
// every file to upload against its size and SHA-256 there and in the
// checksum file before any request, runs Check, then publishes. It is the
// work of a forge package's Publish target.
func (p Publisher) PublishDist(ctx context.Context, r *staticbuild.Run) error {
	if err := p.publishDist(ctx, r); err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	return nil
}

func (p Publisher) publishDist(ctx context.Context, r *staticbuild.Run) error {
	manifest := filepath.Join(r.Dist, "artifacts.json")
	list, err := artifact.Read(manifest)
	if err != nil {
		return fmt.Errorf("reading the release's manifest: %w (run the release target first)", err)
	}
	version, commit := "", ""
	for _, a := range list {
		version, commit = cmp.Or(version, a.Version), cmp.Or(commit, a.Commit)
	}
	if version == "" || commit == "" {
		return fmt.Errorf("%s names no version and commit: release again", manifest)
	}
	if strings.HasSuffix(version, "-snapshot") {
		return fmt.Errorf("dist/ holds the snapshot %s, which is never published: tag the commit and release", version)
	}
	path := func(a artifact.Artifact) string { return filepath.Join(r.Dist, filepath.FromSlash(a.Path)) }
	files, err := Files(list, path)
	if err != nil {
		return err
	}
	if err := checkFiles(r.Dist, r.Config.Archive.Checksums, list, files); err != nil {
		return err
	}
	// The manifest records the version; the tag of a module in a
	// subdirectory starts with the directory ("tools/v1.2.3").
	st, err := stamp.Read(ctx, r.Dir, "", r.Environ())
	if err != nil {
		return fmt.Errorf("reading the module's tag prefix from git: %w", err)
	}
	tag := version
	if st.Prefix != "" {
		tag = st.Prefix + "/" + version
	}
	f, err := p.Open(ctx, r)
	if err != nil {
		return err
	}
	if err := Check(ctx, f, p.want(r, tag, commit, ""), p.Replace); err != nil {
		return err
	}
	return p.publish(ctx, r, tag, commit, list, path, files)
}

// publish publishes files as the release for tag at commit, with the
// notes of list.
func (p Publisher) publish(ctx context.Context, r *staticbuild.Run, tag, commit string, list artifact.List, where func(artifact.Artifact) string, files []File) error {
	f, err := p.Open(ctx, r)
	if err != nil {
		return err
	}
	notes, err := releaseNotes(ctx, r, list, where, p.Notes, tag)
	if err != nil {
		return err
	}
	_, err = Publish(ctx, f, p.want(r, tag, commit, notes), files, Options{
		Replace: p.Replace, Jobs: p.Jobs,
		Logf: func(format string, args ...any) { r.Logf(p.Name+": "+format, args...) },
	})
	return err
}

// want returns the release to make for tag at commit.
func (p Publisher) want(r *staticbuild.Run, tag, commit, notes string) Release {
	return Release{Tag: tag, Commit: commit, Name: cmp.Or(p.Title, tag), Notes: notes, Prerelease: Prerelease(tag)}
}

// Prerelease reports whether the version a tag names ("v1.2.3-rc.1",
// "tools/v1.2.3-beta") has a semantic version's pre-release part.
func Prerelease(tag string) bool {
	v := tag[strings.LastIndex(tag, "/")+1:]
	v, _, _ = strings.Cut(v, "+")
	return strings.Contains(v, "-")
}

// tagOf returns the tag the run releases.
func tagOf(r *staticbuild.Run) string { return cmp.Or(r.Tag, r.Version) }

// Token returns the value of the first of the variables named that is set
// and not empty in an environment, such as the run's (Run.Getenv), and
// its name; "" when none is.
func Token(getenv func(string) (string, bool), names ...string) (token, from string) {
	for _, n := range names {
		if v, ok := getenv(n); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), n
		}
	}
	return "", ""
}
