// Package tap names a git repository that a package manager reads its
// manifests from — a Homebrew tap, a Scoop bucket, a winget source — for
// the homebrew, scoop and winget steps, which commit a release's manifest
// to it and push: one commit per version, none when the repository
// already holds the files.
package tap

// Repo is a git repository to push manifests to. A URL with a password
// in it is refused: a token comes from the variable TokenEnv names.
type Repo struct {
	// URL is the repository's git URL, such as
	// "https://github.com/acme/homebrew-tap.git" or
	// "git@github.com:acme/scoop-bucket.git". It holds no password: a
	// token for HTTPS comes from the variable TokenEnv names.
	URL string
	// Branch is the branch to commit to, created when the repository
	// has none of that name. Default: "main".
	Branch string `json:",omitempty"`
	// Dir is the directory of the repository the files go in, such as
	// "bucket". Default: the top, or the package manager's own directory
	// (Casks/ and Formula/ for Homebrew) below it.
	Dir string `json:",omitempty"`
	// AuthorName and AuthorEmail are the commit's author and committer.
	// Default: "magestatic" and "magestatic@users.noreply.github.com".
	AuthorName  string `json:",omitempty"`
	AuthorEmail string `json:",omitempty"`
	// TokenEnv names the environment variable holding a token for an
	// HTTPS URL, such as "HOMEBREW_TAP_TOKEN"; git sends it as the
	// password of the user TokenUser. Without it git authenticates as
	// it is configured to (an SSH key, a credential helper).
	TokenEnv string `json:",omitempty"`
	// TokenUser is the user name sent with the token. Default:
	// "x-access-token", which GitHub expects with an installation or
	// fine-grained token.
	TokenUser string `json:",omitempty"`
}
