// Package gitea publishes a release on Gitea or Forgejo: a release for
// the version's tag holding the archives, checksums, SBOMs and the other
// files of dist/, each uploaded as a draft's asset, checked byte for byte
// and only then published. Add its step to the release, and import the
// package under the name gitea for the publish target:
//
//	//mage:import gitea
//	"github.com/magestatic/magestatic/staticbuild/gitea"
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			gitea.Step(gitea.Release{URL: "https://gitea.example", Repo: "acme/app"}),
//		}
//	}
//
// "mage release" then publishes as its last step before dist/ is put in
// place, and "mage gitea:publish" publishes the release dist/ holds. The
// token is GITEA_TOKEN (or FORGEJO_TOKEN), a token with the scope
// write:repository.
package gitea

import (
	"context"
	"encoding/json"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// Release says where and how to publish.
type Release struct {
	// URL is the server's root, such as "https://gitea.example" or
	// "http://127.0.0.1:3000" (with a sub-path if the server has one).
	// Default: GITHUB_SERVER_URL in a Gitea or Forgejo Actions job
	// (GITEA_ACTIONS or FORGEJO_ACTIONS is "true"), else the scheme and
	// host of the origin remote's URL (https for an SSH remote).
	URL string
	// Repo is the repository, "owner/name". Default: GITHUB_REPOSITORY
	// in a Gitea or Forgejo Actions job, else the origin remote's path.
	Repo string
	// Name is the release's title. Default: the tag.
	Name string
	// Notes names a file of the project, such as "CHANGELOG.md", whose
	// section for the version is the release's notes, unless a step of
	// the release made an artifact of kind "notes", whose file is.
	// Default: notes made from the commits since the previous tag.
	Notes string
	// Replace lets the step change a published release for the tag that
	// was made for another commit or holds other files: the files that
	// differ are deleted and uploaded again. Without it, that is an error
	// before anything builds.
	Replace bool
}

// Step returns the release step "gitea", which publishes the release
// after the checksum file is written and before dist/ is put in place:
// if publishing fails the release fails, dist/ keeps the last release,
// and the release run again resumes the publish. In a release built in
// shards it runs in Merge. Its Check, before anything builds, finds the
// token and asks the server whether the token may write releases of the
// repository, whether the tag is there at the commit released, and
// whether a published release for the tag was made for another commit.
// A snapshot is not published.
func Step(rel Release) staticbuild.Step { return forge.Step(rel.publisher()) }

// Publish publishes the release the last release left in dist/, as the
// step would have: every file is checked against artifacts.json and the
// checksum file before any request, and a published release that holds
// the files already is left as it is.
func (rel Release) Publish(ctx context.Context, r *staticbuild.Run) error {
	return rel.publisher().PublishDist(ctx, r)
}

// Publish publishes the release dist/ holds on the Gitea or Forgejo
// server and repository the environment names (see Release's defaults),
// with GITEA_TOKEN or FORGEJO_TOKEN.
func Publish(ctx context.Context) error {
	return staticbuild.Target(ctx, Release{}.Publish)
}

// publisher returns the forge's publisher of rel.
func (rel Release) publisher() forge.Publisher {
	key, _ := json.Marshal([]string{rel.URL, rel.Repo})
	return forge.Publisher{Name: "gitea", Key: string(key), Open: rel.open,
		Title: rel.Name, Notes: rel.Notes, Replace: rel.Replace}
}
