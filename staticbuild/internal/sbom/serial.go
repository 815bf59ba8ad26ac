package sbom

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// serialNumber returns "urn:uuid:" and a version 5 (name-based, SHA-1)
// UUID of doc, in a name space of this package's own: the version 5 UUID
// of its URL in the URL name space. Equal documents get equal serial
// numbers and different documents, in practice, different ones.
func serialNumber(doc []byte) string {
	// The RFC 4122 name space ID for URLs, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
	urls := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	ns := uuid5(urls, []byte("https://github.com/magestatic/magestatic/staticbuild/internal/sbom"))
	u := uuid5(ns, doc)
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// uuid5 returns the version 5 UUID of name in the name space ns (RFC 4122
// section 4.3).
func uuid5(ns [16]byte, name []byte) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// fileSHA256 returns the hexadecimal SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
