// Package sign signs a release's checksum file, and on request every
// artifact, so that a user can check a download with a tool they already
// have: an SSH signature that ssh-keygen -Y verify checks, and a Sigstore
// bundle that cosign verify-blob checks. Add its step to the release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			sign.Step(sign.SSH{Key: "release_ed25519", Identity: "release@example.com"}, sign.Sigstore{Key: "cosign.key"}),
//		}
//	}
//
// "mage release" then writes dist/SHA256SUMS.sig and
// dist/SHA256SUMS.sigstore.json next to dist/SHA256SUMS and lists them in
// artifacts.json (kinds "signature" and "sigstore-bundle"). They are not in
// the checksum file they sign. The keys can come from the environment
// instead, so that CI passes secrets without code:
//
//	MAGESTATIC_SSH_KEY         the SSH private key, or its file (replaces SSH.Key)
//	MAGESTATIC_SSH_PASSPHRASE  the passphrase of an encrypted SSH key
//	MAGESTATIC_SSH_AGENT_KEY   the agent's key to sign with (replaces SSH.Agent)
//	SSH_AUTH_SOCK              the ssh-agent's socket, for SSH.Agent
//	MAGESTATIC_COSIGN_KEY      the cosign private key, or its file (replaces Sigstore.Key)
//	COSIGN_PASSWORD            the password of cosign's encrypted key
//
// A missing key, a wrong passphrase or an agent without the key fails the
// release before anything builds. In a release built in shards, the
// signatures are made in Merge; the shards need no key.
package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// The kinds of the artifacts the step adds.
const (
	kindSignature      artifact.Kind = "signature"
	kindSigstoreBundle artifact.Kind = "sigstore-bundle"
)

// The environment variables the step reads.
const (
	envSSHKey         = "MAGESTATIC_SSH_KEY"
	envSSHPassphrase  = "MAGESTATIC_SSH_PASSPHRASE"
	envSSHAgentKey    = "MAGESTATIC_SSH_AGENT_KEY"
	envSSHAuthSock    = "SSH_AUTH_SOCK"
	envCosignKey      = "MAGESTATIC_COSIGN_KEY"
	envCosignPassword = "COSIGN_PASSWORD"
)

// A Signer is a way to sign that Step takes: SSH or Sigstore. Its key is
// loaded before anything builds; a key that cannot be loaded fails the
// release then, naming the setting or environment variable to fix.
type Signer interface {
	// open loads the key; the caller closes what it returns.
	open(env func(string) (string, bool), dir string) (key, error)
	kind() string
}

// key is a loaded signing key.
type key interface {
	// id names the public key, such as its fingerprint: never a secret.
	id() string
	suffix() string
	artifactKind() artifact.Kind
	all() bool
	sign(message []byte) ([]byte, error)
	verify(sig, message []byte) error
	// note is what the log says of it, such as how to verify.
	note(file string) string
	close()
}

// Step returns the release step that signs the checksum file with each
// signer, after the checksums. It fails the release before anything
// builds when a key cannot be loaded. In a release built in shards it runs
// in Merge.
func Step(signers ...Signer) staticbuild.Step {
	var settings []string
	for _, s := range signers {
		data, _ := json.Marshal(s)
		settings = append(settings, s.kind()+" "+string(data))
	}
	return staticbuild.Step{
		Name: "sign", After: "checksums", Whole: true,
		Key:   "sign 1 " + strings.Join(settings, " "),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return check(r, signers) },
		Run:   func(ctx context.Context, r *staticbuild.Run) error { return run(ctx, r, signers) },
	}
}

// check loads every key, so that a missing one fails before the build,
// and adds the public keys to the release's key. A shard signs nothing and
// needs no key.
func check(r *staticbuild.Run, signers []Signer) error {
	if r.Config.Shard != "" {
		return nil
	}
	if len(signers) == 0 {
		return errors.New("sign.Step has no signer: give it sign.SSH{...} or sign.Sigstore{...}")
	}
	var errs *multierror.Error
	seen := map[string]bool{}
	for _, s := range signers {
		if seen[s.kind()] {
			errs = multierror.Append(errs, fmt.Errorf("sign.Step has two %s signers, which would write the same files: give it one", s.kind()))
			continue
		}
		seen[s.kind()] = true
		k, err := s.open(r.Getenv, r.Dir)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		r.AddKey("sign " + s.kind() + " " + k.id())
		k.close()
	}
	return errlist.Lines(errs)
}

// run signs the checksum file, and with All every artifact it lists.
func run(ctx context.Context, r *staticbuild.Run, signers []Signer) error {
	sums := r.Artifacts.Of(artifact.Checksums)
	if len(sums) != 1 {
		return fmt.Errorf("sign: the release has %d checksum files, want 1", len(sums))
	}
	for _, s := range signers {
		k, err := s.open(r.Getenv, r.Dir)
		if err != nil {
			return err
		}
		err = signAll(ctx, r, k, targets(r.Artifacts, sums[0], k.all()))
		k.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// targets returns the artifacts to sign: the checksum file, and with all
// every file it lists but those inside a directory (an image layout's
// blobs).
func targets(list artifact.List, sums artifact.Artifact, all bool) artifact.List {
	out := artifact.List{sums}
	if !all {
		return out
	}
	for _, a := range list {
		switch a.Kind {
		case artifact.Binary, artifact.Checksums, kindSignature, kindSigstoreBundle:
			continue
		}
		if !strings.Contains(a.Path, "/") {
			out = append(out, a)
		}
	}
	return out
}

func signAll(ctx context.Context, r *staticbuild.Run, k key, files artifact.List) error {
	for _, a := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		message, err := os.ReadFile(r.Path(a))
		if err != nil {
			return fmt.Errorf("sign: reading %s: %w", a.Path, err)
		}
		out := a.Path + k.suffix()
		// A signature the last release wrote of the same bytes with the same
		// key stays: an ECDSA signature from an agent differs each time,
		// and a published version must keep its bytes.
		sig, err := os.ReadFile(filepath.Join(r.Dist, filepath.FromSlash(out)))
		if err != nil || k.verify(sig, message) != nil {
			if sig, err = k.sign(message); err != nil {
				return fmt.Errorf("sign: %s with %s: %w", a.Path, k.id(), err)
			}
			if err := k.verify(sig, message); err != nil {
				return fmt.Errorf("sign: the signature of %s with %s does not verify: %w", a.Path, k.id(), err)
			}
		}
		if err := r.WriteFile(artifact.Artifact{Path: out, Kind: k.artifactKind()}, sig); err != nil {
			return err
		}
	}
	what := files[0].Path
	if len(files) > 1 {
		what += fmt.Sprintf(" and %d more files", len(files)-1)
	}
	r.Logf("sign: %s with %s; %s\n", what, k.id(), k.note(files[0].Path))
	return nil
}

// keySource finds a key: the variable's value (the key itself, or its
// file) before the field's file. It returns the key's bytes and how to
// name it in a message, never the key itself.
func keySource(env func(string) (string, bool), dir, variable, field, file string) ([]byte, string, error) {
	if v, ok := env(variable); ok && v != "" {
		if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
			return []byte(v), variable + " (the key itself)", nil
		}
		file, field = v, variable
	}
	if file == "" {
		return nil, "", nil
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", field, file, errors.Unwrap(err))
	}
	return bytes.TrimSpace(data), field + " " + file, nil
}
