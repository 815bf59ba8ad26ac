// Package github publishes a release as a GitHub release, on github.com
// or GitHub Enterprise Server: a draft is made for the version's tag and
// commit, every file of dist/ that is a release asset (archives, SBOMs,
// checksums, packages, signatures) is uploaded and checked against its
// SHA-256, and only then is the release published. A release run again
// after a failure or a kill resumes the draft; one run again after it
// was published does nothing. Add its step to the release:
//
//	staticbuild.Project.Steps = []staticbuild.Step{
//		github.Step(github.Release{}),
//	}
//
// or import the package, under the name github, for the target
// github:publish, which publishes what the last release left in dist/:
//
//	//mage:import github
//	"github.com/magestatic/magestatic/staticbuild/github"
//
// The token comes from GITHUB_TOKEN or GH_TOKEN, else from "gh auth
// token"; it must be allowed to write the repository's contents (in GitHub Actions:
// permissions: contents: write).
package github

import (
	"context"
	"encoding/json"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// Release configures the GitHub release. Its zero value publishes to the
// repository GitHub Actions runs for, or to the origin remote's.
type Release struct {
	// Repo is the repository, "owner/name". Default: GITHUB_REPOSITORY,
	// which GitHub Actions sets, else the repository the git remote
	// "origin" names.
	Repo string
	// APIURL is the REST API's root. Default: GITHUB_API_URL, which
	// GitHub Actions sets, else https://api.github.com, or
	// https://HOST/api/v3 (GitHub Enterprise Server) when origin is on
	// another host.
	APIURL string
	// UploadURL is the root of the API's uploads, where assets go.
	// Default: the upload_url GitHub gives with the release, which is
	// https://uploads.github.com on github.com and
	// https://HOST/api/uploads on GitHub Enterprise Server.
	UploadURL string
	// Name is the release's title. Default: the tag.
	Name string
	// Notes names a file of the project, such as "CHANGELOG.md", whose
	// section for the version is the release's notes. A step of the
	// magefile that adds an artifact of kind "notes" gives them instead.
	// Default: notes made from the commits since the previous tag.
	Notes string
	// Replace lets the release change a published release: one made for
	// another commit, or whose assets differ from dist/'s files. The
	// assets that differ are deleted and uploaded again. An immutable
	// release never changes.
	Replace bool

	// tune, set by tests, adjusts the HTTP client: its waits.
	tune func(*forge.Client)
}

// Step returns the release step that publishes the release on GitHub,
// after the checksum file and before the manifest step puts dist/ in
// place: a publish that fails fails the release, and the release run
// again resumes it. In a release built in shards, it runs in Merge.
// Its Check, before anything builds, finds the token and asks GitHub
// whether it may write the repository's releases, whether the tag is
// there at the commit released, and whether a published release for the
// tag was made for another commit (refused unless Replace, and always
// when the release is immutable). A snapshot is not published.
func Step(rel Release) staticbuild.Step {
	return forge.Step(rel.publisher())
}

// Publish publishes the release the last release target left in dist/:
// dist/artifacts.json's files, each checked against its size and
// SHA-256 there and in the checksum file before any request, with the
// checks Step makes before building. A release already published with
// these files is left as it is.
func (rel Release) Publish(ctx context.Context, r *staticbuild.Run) error {
	return rel.publisher().PublishDist(ctx, r)
}

// Publish publishes the release in dist/ as a GitHub release of the repository GitHub Actions runs for, or of the origin remote's.
func Publish(ctx context.Context) error {
	return staticbuild.Target(ctx, Release{}.Publish)
}

// publisher returns the forge step's settings.
func (rel Release) publisher() forge.Publisher {
	key, _ := json.Marshal([]string{rel.Repo, rel.APIURL, rel.UploadURL})
	return forge.Publisher{Name: "github", Key: string(key), Title: rel.Name, Notes: rel.Notes, Replace: rel.Replace,
		Open: rel.open}
}
