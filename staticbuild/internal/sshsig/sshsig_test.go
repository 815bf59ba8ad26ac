package sshsig

import (
	"crypto/ed25519"
	"testing"

	"golang.org/x/crypto/ssh"
)

func testKey(t testing.TB) ssh.Signer {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sign(t testing.TB, s ssh.Signer, ns string, msg []byte) []byte {
	data, err := SignedData(ns, HashSHA512, msg)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	return Armor(s.PublicKey(), ns, HashSHA512, sig)
}

// TestRoundTrip signs and verifies, and refuses another message, key or
// namespace.
func TestRoundTrip(t *testing.T) {
	s := testKey(t)
	msg := []byte("abc  file\n")
	sig := sign(t, s, "file", msg)
	if err := Verify(sig, msg, s.PublicKey(), "file"); err != nil {
		t.Fatal(err)
	}
	if err := Verify(sig, []byte("abd  file\n"), s.PublicKey(), "file"); err == nil {
		t.Error("another message verified")
	}
	if err := Verify(sig, msg, s.PublicKey(), "git"); err == nil {
		t.Error("another namespace verified")
	}
	other, _ := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)))
	if err := Verify(sig, msg, other.PublicKey(), "file"); err == nil {
		t.Error("another key verified")
	}
}

// FuzzParse parses any bytes as a signature file without panicking.
func FuzzParse(f *testing.F) {
	s := testKey(f)
	f.Add(sign(f, s, "file", []byte("x")))
	f.Add([]byte(begin + "\nU1NIU0lH\n" + end + "\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if sig, err := Parse(data); err == nil {
			Verify(data, []byte("x"), sig.PublicKey, sig.Namespace)
		}
	})
}
