// Package sigbundle writes and reads Sigstore bundles (media type
// application/vnd.dev.sigstore.bundle.v0.3+json) that sign a file with a
// key, without a transparency log entry or a timestamp, as cosign
// sign-blob --key --new-bundle-format --tlog-upload=false writes them and
// cosign verify-blob --key --insecure-ignore-tlog checks them, and reads
// cosign's private keys.
package sigbundle

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// MediaType is the bundle's media type.
const MediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// Bundle is the protobuf-JSON form of a bundle with a message signature
// and a public key hint (sigstore protobuf-specs, sigstore_bundle.proto);
// the bytes fields are base64.
type Bundle struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		PublicKey struct {
			Hint string `json:"hint"`
		} `json:"publicKey"`
	} `json:"verificationMaterial"`
	MessageSignature struct {
		MessageDigest struct {
			Algorithm string `json:"algorithm"`
			Digest    []byte `json:"digest"`
		} `json:"messageDigest"`
		Signature []byte `json:"signature"`
	} `json:"messageSignature"`
}

// Hint is the public key's hint, as sigstore-go and cosign write it: the
// base64 SHA-256 of its PKIX DER encoding.
func Hint(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// Sign returns the bundle that signs message with key. The signature is
// deterministic (RFC 6979), so the same key and message give the same
// bytes.
func Sign(key *ecdsa.PrivateKey, message []byte) ([]byte, error) {
	hint, err := Hint(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(message)
	sig, err := key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var b Bundle
	b.MediaType = MediaType
	b.VerificationMaterial.PublicKey.Hint = hint
	b.MessageSignature.MessageDigest.Algorithm = "SHA2_256"
	b.MessageSignature.MessageDigest.Digest = digest[:]
	b.MessageSignature.Signature = sig
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Parse reads a bundle of this form; it refuses fields it does not know,
// such as a certificate or a log entry, and checks no signature.
func Parse(data []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("sigstore bundle: %w", err)
	}
	switch {
	case b.MediaType != MediaType:
		return nil, fmt.Errorf("sigstore bundle: media type %q, want %s", b.MediaType, MediaType)
	case b.MessageSignature.MessageDigest.Algorithm != "SHA2_256" || len(b.MessageSignature.MessageDigest.Digest) != sha256.Size:
		return nil, fmt.Errorf("sigstore bundle: a message digest of algorithm %q and %d bytes, want SHA2_256", b.MessageSignature.MessageDigest.Algorithm, len(b.MessageSignature.MessageDigest.Digest))
	case len(b.MessageSignature.Signature) == 0:
		return nil, errors.New("sigstore bundle: no signature")
	}
	return &b, nil
}

// Verify checks that data is a bundle signing message with pub.
func Verify(data, message []byte, pub *ecdsa.PublicKey) error {
	b, err := Parse(data)
	if err != nil {
		return err
	}
	hint, err := Hint(pub)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(message)
	switch {
	case b.VerificationMaterial.PublicKey.Hint != hint:
		return fmt.Errorf("sigstore bundle: the key hint %q is not the key's (%s)", b.VerificationMaterial.PublicKey.Hint, hint)
	case !bytes.Equal(b.MessageSignature.MessageDigest.Digest, digest[:]):
		return errors.New("sigstore bundle: the digest is not the file's")
	case !ecdsa.VerifyASN1(pub, digest[:], b.MessageSignature.Signature):
		return errors.New("sigstore bundle: the signature does not match the file and key")
	}
	return nil
}
