package sign

import (
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/sigbundle"
)

// Sigstore signs with an ECDSA P-256 key pair, as cosign sign-blob --key
// does without a transparency log, and writes a Sigstore bundle,
// SHA256SUMS.sigstore.json, which a user checks with the public key:
//
//	cosign verify-blob --key cosign.pub --bundle SHA256SUMS.sigstore.json --new-bundle-format --insecure-ignore-tlog=true --use-signed-timestamps=false SHA256SUMS
//
// The bundle holds the file's SHA-256, the signature and the public key's
// hint (the base64 SHA-256 of its DER encoding), and no certificate, log
// entry or timestamp.
type Sigstore struct {
	// Key is the private key's file, relative to the project: cosign's
	// encrypted cosign.key (cosign generate-key-pair), whose password is
	// read from COSIGN_PASSWORD, or an unencrypted PKCS #8 or SEC 1 PEM
	// key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256).
	// MAGESTATIC_COSIGN_KEY replaces it: the key's file, or the key itself.
	Key string `json:",omitempty"`
	// All also signs every archive, SBOM and file the checksum file
	// lists, each as FILE.sigstore.json.
	All bool `json:",omitempty"`
}

func (Sigstore) kind() string { return "sigstore" }

type sigstoreKey struct {
	cfg  Sigstore
	priv *ecdsa.PrivateKey
	hint string
}

func (s Sigstore) open(env func(string) (string, bool), dir string) (key, error) {
	data, from, err := keySource(env, dir, envCosignKey, "Sigstore.Key", s.Key)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: create the key pair (cosign generate-key-pair), or set %s", err, envCosignKey)
	case data == nil:
		return nil, fmt.Errorf("Sigstore: no key: set Sigstore.Key to the private key's file (cosign generate-key-pair writes cosign.key), or %s to the key", envCosignKey)
	}
	pass, ok := env(envCosignPassword)
	priv, err := sigbundle.ParsePrivateKey(data, []byte(pass), ok)
	switch {
	case errors.Is(err, sigbundle.ErrNoPassword):
		return nil, fmt.Errorf("%s is encrypted: set %s to its password", from, envCosignPassword)
	case errors.Is(err, sigbundle.ErrWrongPassword) && pass == "":
		return nil, fmt.Errorf("%s is encrypted and %s is empty: set it to the key's password", from, envCosignPassword)
	case errors.Is(err, sigbundle.ErrWrongPassword):
		return nil, fmt.Errorf("%s: the password in %s does not open it", from, envCosignPassword)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	hint, err := sigbundle.Hint(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &sigstoreKey{cfg: s, priv: priv, hint: hint}, nil
}

func (k *sigstoreKey) id() string                  { return k.hint + " (sigstore key hint)" }
func (k *sigstoreKey) suffix() string              { return ".sigstore.json" }
func (k *sigstoreKey) artifactKind() artifact.Kind { return kindSigstoreBundle }
func (k *sigstoreKey) all() bool                   { return k.cfg.All }
func (k *sigstoreKey) close()                      {}

func (k *sigstoreKey) sign(message []byte) ([]byte, error) { return sigbundle.Sign(k.priv, message) }

func (k *sigstoreKey) verify(sig, message []byte) error {
	return sigbundle.Verify(sig, message, &k.priv.PublicKey)
}

func (k *sigstoreKey) note(file string) string {
	return fmt.Sprintf("check: cosign verify-blob --key cosign.pub --bundle %s.sigstore.json --new-bundle-format --insecure-ignore-tlog=true --use-signed-timestamps=false %s", file, file)
}
