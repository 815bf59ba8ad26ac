package sigbundle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSignVerify signs, verifies, and refuses another message or key; the
// same key and message give the same bytes.
func TestSignVerify(t *testing.T) {
	k := newKey(t)
	msg := []byte("abc  app.tar.gz\n")
	b, err := Sign(k, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(b, msg, &k.PublicKey); err != nil {
		t.Fatal(err)
	}
	if again, _ := Sign(k, msg); string(again) != string(b) {
		t.Error("two bundles of the same message and key differ")
	}
	if err := Verify(b, []byte("abd  app.tar.gz\n"), &k.PublicKey); err == nil {
		t.Error("another message verified")
	}
	if err := Verify(b, msg, &newKey(t).PublicKey); err == nil {
		t.Error("another key verified")
	}
}

// TestKeys reads the key forms: PKCS #8, SEC 1 and cosign's encrypted one,
// with the right, a wrong and no password.
func TestKeys(t *testing.T) {
	k := newKey(t)
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	sec1, _ := x509.MarshalECPrivateKey(k)
	enc, err := Encrypt(p8, []byte("pw"), make([]byte, 32), [24]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"pkcs8":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}),
		"sec1":      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"encrypted": enc,
	} {
		got, err := ParsePrivateKey(data, []byte("pw"), true)
		if err != nil || !got.Equal(k) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParsePrivateKey(enc, []byte("wrong"), true); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("a wrong password: %v", err)
	}
	if _, err := ParsePrivateKey(enc, nil, false); !errors.Is(err, ErrNoPassword) {
		t.Errorf("no password: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("not a key"), nil, false); err == nil {
		t.Error("not a key was read")
	}
}

// FuzzParse parses any bytes as a bundle without panicking.
func FuzzParse(f *testing.F) {
	k := newKey(f)
	b, _ := Sign(k, []byte("x"))
	f.Add(b)
	f.Add([]byte(`{"mediaType":"` + MediaType + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Parse(data); err == nil {
			Verify(data, []byte("x"), &k.PublicKey)
		}
	})
}

// FuzzParsePrivateKey reads any bytes as a key without panicking or
// running scrypt with parameters cosign does not write.
func FuzzParsePrivateKey(f *testing.F) {
	k := newKey(f)
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	enc, _ := Encrypt(p8, []byte("pw"), make([]byte, 32), [24]byte{1})
	f.Add(enc)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: []byte(`{"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1}},"cipher":{"name":"nacl/secretbox"}}`)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParsePrivateKey(data, []byte("pw"), true)
	})
}
