// Command sigstorecheck verifies a Sigstore bundle of a blob signed with a
// key, with sigstore-go's verifier, as cosign verify-blob --key does: no
// transparency log entry and no timestamp are required. It exits 0 when
// the bundle verifies and 1, printing why, when it does not. The sign
// package's tests run it; it is a module of its own so that the main
// module does not depend on sigstore-go.
//
//	go run . -key cosign.pub -bundle SHA256SUMS.sigstore.json SHA256SUMS
package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

func main() {
	key := flag.String("key", "", "the public key, PEM")
	bundlePath := flag.String("bundle", "", "the bundle")
	flag.Parse()
	if err := run(*key, *bundlePath, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "sigstorecheck:", err)
		os.Exit(1)
	}
	fmt.Println("Verified OK")
}

func run(keyPath, bundlePath, blobPath string) error {
	data, err := os.ReadFile(keyPath)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return fmt.Errorf("%s: no PEM block", keyPath)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return err
	}
	trusted := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	})
	b, err := bundle.LoadJSONFromPath(bundlePath)
	if err != nil {
		return err
	}
	verifier, err := verify.NewVerifier(trusted, verify.WithNoObserverTimestamps())
	if err != nil {
		return err
	}
	blob, err := os.Open(blobPath)
	if err != nil {
		return err
	}
	defer blob.Close()
	_, err = verifier.Verify(b, verify.NewPolicy(verify.WithArtifact(blob), verify.WithKey()))
	return err
}
