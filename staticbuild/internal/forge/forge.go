// Package forge publishes a release's files as one release of a forge
// (GitHub, Gitea, Forgejo) for the version's tag: made a draft, filled
// with every file, each checked against its SHA-256, and only then
// published. Each forge is a Forge; Publish holds the rules they share,
// so that a run killed at any point and run again ends with exactly one
// published release whose assets are the release's files, byte for byte.
package forge

import (
	"context"
	"io"
)

// Forge is one repository on a forge, as the publisher uses it. Every
// method returns an error that names the forge, the repository and, for
// an HTTP failure, the request and the forge's message.
type Forge interface {
	// String names the repository in messages, such as
	// "github.com/acme/app".
	String() string
	// Check checks that the token works, may write releases, and that
	// the repository exists.
	Check(ctx context.Context) error
	// TagCommit returns the full hash of the commit the tag names in the
	// repository, or "" when the repository has no such tag.
	TagCommit(ctx context.Context, tag string) (string, error)
	// Releases returns every release for the tag, drafts included, with
	// their assets.
	Releases(ctx context.Context, tag string) ([]Release, error)
	// CreateDraft creates a draft release from rel's Tag, Commit, Name,
	// Notes and Prerelease, and returns it as the forge has it.
	CreateDraft(ctx context.Context, rel Release) (Release, error)
	// Upload uploads the file at path, of size bytes, as the asset name
	// of the draft rel, and returns the asset.
	Upload(ctx context.Context, rel Release, name, path string, size int64) (Asset, error)
	// DeleteAsset deletes an asset of the draft rel.
	DeleteAsset(ctx context.Context, rel Release, a Asset) error
	// DeleteRelease deletes the draft rel.
	DeleteRelease(ctx context.Context, rel Release) error
	// Open returns an asset's bytes, for checking an asset the forge
	// gives no digest of.
	Open(ctx context.Context, a Asset) (io.ReadCloser, error)
	// Publish publishes the draft rel with its Name, Notes and
	// Prerelease, marked the latest release when rel.Latest, and returns
	// it as the forge has it.
	Publish(ctx context.Context, rel Release) (Release, error)
}

// Release is a release of a forge, or one to create.
type Release struct {
	ID     int64
	Tag    string
	Commit string // the commit the release was made for (target_commitish), as recorded
	Name   string
	Notes  string

	Draft      bool
	Prerelease bool
	Latest     bool // marked the repository's latest release; set only for Publish
	Immutable  bool // its assets can no longer change (a GitHub immutable release)
	URL        string
	Assets     []Asset
}

// Asset is a file of a release.
type Asset struct {
	ID     int64
	Name   string
	Size   int64
	SHA256 string // hex, from the forge's digest of the asset; "" when the forge gives none
	URL    string // where a browser downloads it
}
