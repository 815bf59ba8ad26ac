// Package sshsig writes and reads OpenSSH signatures of files (the SSHSIG
// format of OpenSSH's PROTOCOL.sshsig), the ones ssh-keygen -Y sign makes
// and ssh-keygen -Y verify checks.
package sshsig

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/ssh"
)

const (
	magic   = "SSHSIG"
	version = 1
	begin   = "-----BEGIN SSH SIGNATURE-----"
	end     = "-----END SSH SIGNATURE-----"
	// HashSHA512 is the hash ssh-keygen signs with by default.
	HashSHA512 = "sha512"
	hashSHA256 = "sha256"
)

// SignedData returns the bytes a key signs for a message: the preamble,
// the namespace and the message's hash (PROTOCOL.sshsig).
func SignedData(namespace, hashAlg string, message []byte) ([]byte, error) {
	h, err := newHash(hashAlg)
	if err != nil {
		return nil, err
	}
	h.Write(message)
	return signedData(namespace, hashAlg, h.Sum(nil)), nil
}

func signedData(namespace, hashAlg string, digest []byte) []byte {
	return append([]byte(magic), ssh.Marshal(struct {
		Namespace, Reserved, Hash string
		Digest                    []byte
	}{namespace, "", hashAlg, digest})...)
}

func newHash(alg string) (hash.Hash, error) {
	switch alg {
	case HashSHA512:
		return sha512.New(), nil
	case hashSHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("sshsig: hash %q is not sha512 or sha256", alg)
}

// blob is the signature's binary form after the preamble.
type blob struct {
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  string
	Hash      string
	Signature []byte
}

// Armor returns the armored signature file of sig, made by pub over
// SignedData(namespace, hashAlg, message).
func Armor(pub ssh.PublicKey, namespace, hashAlg string, sig *ssh.Signature) []byte {
	raw := append([]byte(magic), ssh.Marshal(blob{version, pub.Marshal(), namespace, "", hashAlg, ssh.Marshal(sig)})...)
	b64 := base64.StdEncoding.EncodeToString(raw)
	var out bytes.Buffer
	out.WriteString(begin + "\n")
	for len(b64) > 70 {
		out.WriteString(b64[:70] + "\n")
		b64 = b64[70:]
	}
	out.WriteString(b64 + "\n" + end + "\n")
	return out.Bytes()
}

// Signature is a parsed signature file.
type Signature struct {
	PublicKey ssh.PublicKey
	Namespace string
	Hash      string
	Sig       *ssh.Signature
}

// Parse reads an armored signature file. It checks its form, not the
// signature: see Verify.
func Parse(data []byte) (*Signature, error) {
	text := strings.TrimSpace(string(data))
	body, ok := strings.CutPrefix(text, begin)
	if !ok {
		return nil, errors.New("sshsig: not an SSH signature: no " + begin + " line")
	}
	body, ok = strings.CutSuffix(body, end)
	if !ok {
		return nil, errors.New("sshsig: the signature has no " + end + " line")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fmt.Errorf("sshsig: the signature is not base64: %w", err)
	}
	rest, ok := bytes.CutPrefix(raw, []byte(magic))
	if !ok {
		return nil, errors.New("sshsig: the signature does not start with SSHSIG")
	}
	var b blob
	if err := ssh.Unmarshal(rest, &b); err != nil {
		return nil, fmt.Errorf("sshsig: %w", err)
	}
	if b.Version != version {
		return nil, fmt.Errorf("sshsig: signature version %d, want %d", b.Version, version)
	}
	if _, err := newHash(b.Hash); err != nil {
		return nil, err
	}
	pub, err := ssh.ParsePublicKey(b.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("sshsig: the signature's public key: %w", err)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(b.Signature, sig); err != nil {
		return nil, fmt.Errorf("sshsig: the signature's signature: %w", err)
	}
	return &Signature{PublicKey: pub, Namespace: b.Namespace, Hash: b.Hash, Sig: sig}, nil
}

// Verify checks that data is a signature of message by pub in namespace.
func Verify(data, message []byte, pub ssh.PublicKey, namespace string) error {
	s, err := Parse(data)
	if err != nil {
		return err
	}
	if !bytes.Equal(s.PublicKey.Marshal(), pub.Marshal()) {
		return fmt.Errorf("sshsig: signed by %s, not by %s", ssh.FingerprintSHA256(s.PublicKey), ssh.FingerprintSHA256(pub))
	}
	if s.Namespace != namespace {
		return fmt.Errorf("sshsig: signed in namespace %q, not %q", s.Namespace, namespace)
	}
	if pub.Type() == ssh.KeyAlgoRSA && s.Sig.Format != ssh.KeyAlgoRSASHA512 && s.Sig.Format != ssh.KeyAlgoRSASHA256 {
		return fmt.Errorf("sshsig: an RSA signature of format %q, want rsa-sha2-512", s.Sig.Format)
	}
	signed, err := SignedData(namespace, s.Hash, message)
	if err != nil {
		return err
	}
	if err := pub.Verify(signed, s.Sig); err != nil {
		return fmt.Errorf("sshsig: the signature does not match the file: %w", err)
	}
	return nil
}
