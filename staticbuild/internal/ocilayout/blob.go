package ocilayout

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
)

// blobName returns the path in the layout of the blob with a digest,
// which must be "sha256:" and 64 lower-case hex digits.
func blobName(digest string) (string, error) {
	h, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("digest %q is not sha256:HEX", digest)
	}
	return "blobs/sha256/" + h, nil
}

// blob reads a blob of a layout through its hash.
type blob struct {
	f      fs.File
	h      hash.Hash
	r      io.Reader
	digest string
}

// openBlob opens the blob with a digest; the caller closes it.
func openBlob(fsys fs.FS, digest string) (*blob, error) {
	name, err := blobName(digest)
	if err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	b := &blob{f: f, h: sha256.New(), digest: digest}
	b.r = io.TeeReader(f, b.h)
	return b, nil
}

func (b *blob) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *blob) Close() error { return b.f.Close() }

// check reads the rest of the blob and checks its digest.
func (b *blob) check() error {
	if _, err := io.Copy(io.Discard, b.r); err != nil {
		return fmt.Errorf("blob %s: %w", b.digest, err)
	}
	if got := "sha256:" + hex.EncodeToString(b.h.Sum(nil)); got != b.digest {
		return fmt.Errorf("blob %s has digest %s: the layout is damaged; write it again", b.digest, got)
	}
	return nil
}

// readJSON reads a JSON blob of at most maxJSON bytes and checks its
// digest.
func readJSON(fsys fs.FS, digest string) ([]byte, error) {
	b, err := openBlob(fsys, digest)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	raw, err := io.ReadAll(io.LimitReader(b, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", digest, err)
	}
	if len(raw) > maxJSON {
		return nil, fmt.Errorf("blob %s is larger than %d bytes, too large for an index, manifest or config", digest, maxJSON)
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	return raw, nil
}
