package image

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Push uploads the index and its images to ref, REGISTRY/REPO:TAG or
// REGISTRY/REPO (tag r.Tag); "" is r.Repository:r.Tag. keychain gives the
// credentials; nil is authn.DefaultKeychain, which reads the Docker config
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json, as docker login
// writes it, with its credential helpers). A blob or manifest that the
// registry already has is not uploaded again, so pushing the same Result
// twice uploads nothing the second time. Push returns the index digest.
// Loopback registries (localhost, 127.0.0.1) are reached over plain HTTP.
func Push(ctx context.Context, ref string, r *Result, keychain authn.Keychain) (string, error) {
	tag, err := resultRef(ref, r)
	if err != nil {
		return "", err
	}
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	if err := remote.WriteIndex(tag, r.index, remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain)); err != nil {
		return "", registryError("push "+tag.Name()+" to", tag.Context().RegistryStr(), err)
	}
	return r.Digest, nil
}

// resultRef returns the tag to write r under: ref, or r.Repository:r.Tag.
func resultRef(ref string, r *Result) (name.Tag, error) {
	if r == nil || r.index == nil {
		return name.Tag{}, errors.New("image: no Result from Build")
	}
	if ref == "" {
		if r.Repository == "" {
			return name.Tag{}, errors.New("image: no reference to write the image under: pass one, or set Config.Repository")
		}
		ref = r.Repository + ":" + r.Tag
	}
	parsed, err := name.ParseReference(ref, name.WithDefaultTag(r.Tag))
	if err != nil {
		return name.Tag{}, fmt.Errorf("image: reference %q: %w", ref, err)
	}
	tag, ok := parsed.(name.Tag)
	if !ok {
		return name.Tag{}, fmt.Errorf("image: reference %q names a digest: write under a tag, REGISTRY/REPO:TAG", ref)
	}
	return tag, nil
}

// registryError says what failed, at which registry, and whether it was
// the credentials, TLS or the network.
func registryError(what, registry string, err error) error {
	return fmt.Errorf("image: %s %s: %w", what, registry, registryProblem(registry, err))
}

// registryProblem says whether err, from the registry, was the
// credentials, TLS or the network, and what to do.
func registryProblem(registry string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("authentication failed (HTTP %d): log in with \"docker login %s\", or set DOCKER_CONFIG to a directory whose config.json has credentials for it: %w", te.StatusCode, registry, err)
	}
	if isTLS(err) {
		return fmt.Errorf("TLS failed: the registry's certificate is not trusted here; add its CA to the system's roots or SSL_CERT_FILE: %w", err)
	}
	if isNetwork(err) {
		return fmt.Errorf("network error, the registry cannot be reached (check its name and port, and the proxy settings): %w", err)
	}
	return err
}

func isTLS(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var ve *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &rh) || errors.As(err, &ve)
}

func isNetwork(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// PushLayout pushes the image index of an OCI layout that WriteLayout
// wrote, with its images, to ref (REGISTRY/REPO:TAG), as Push does, and
// returns the index digest. The layout's own bytes are pushed: the digest
// is the one the layout records.
func PushLayout(ctx context.Context, ref, dir string, keychain authn.Keychain) (string, error) {
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return "", fmt.Errorf("image: %s is not an OCI image layout: %w", dir, err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return "", fmt.Errorf("image: %s: %w", dir, err)
	}
	var idx v1.ImageIndex
	for _, m := range im.Manifests {
		if m.MediaType.IsIndex() {
			if idx != nil {
				return "", fmt.Errorf("image: %s lists several image indexes: push one with Push", dir)
			}
			if idx, err = ii.ImageIndex(m.Digest); err != nil {
				return "", fmt.Errorf("image: %s: index %s: %w", dir, m.Digest, err)
			}
		}
	}
	if idx == nil {
		return "", fmt.Errorf("image: %s holds no image index", dir)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", fmt.Errorf("image: reference %q: want REGISTRY/REPO:TAG: %w", ref, err)
	}
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	if err := remote.WriteIndex(tag, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain)); err != nil {
		return "", registryError("push "+tag.Name()+" to", tag.Context().RegistryStr(), err)
	}
	d, err := idx.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}
