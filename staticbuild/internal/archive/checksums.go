package archive

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// Sum is one line of a checksum file: a file name, relative to the
// checksum file's directory, and its SHA-256 in hexadecimal.
type Sum struct {
	Name   string
	SHA256 string
}

// SHA256File returns the lower-case hexadecimal SHA-256 of the file at
// path, reading it as a stream.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("archive: hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("archive: hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteChecksums writes sums to dst, atomically, in the format that
// "sha256sum -c" checks: one "<hash>  <name>" line per file, sorted by
// name, hashes in lower case. Names follow the rules of File.Name. A name
// listed twice with the same hash is written once; with different hashes
// it is an error.
func WriteChecksums(dst string, sums []Sum) error {
	sorted, err := normalizeSums(sums)
	if err != nil {
		return err
	}
	err = atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		for _, s := range sorted {
			if _, err := fmt.Fprintf(w, "%s  %s\n", s.SHA256, s.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive: write %s: %w", dst, err)
	}
	return nil
}

// normalizeSums checks sums and returns them sorted by name with
// lower-case hashes and exact duplicates removed.
func normalizeSums(sums []Sum) ([]Sum, error) {
	out := make([]Sum, 0, len(sums))
	for _, s := range sums {
		if err := validName(s.Name); err != nil {
			return nil, fmt.Errorf("archive: checksum for %q: %w", s.Name, err)
		}
		h := strings.ToLower(s.SHA256)
		if !isSHA256Hex(h) {
			return nil, fmt.Errorf("archive: checksum for %q: %q is not a hexadecimal SHA-256", s.Name, s.SHA256)
		}
		out = append(out, Sum{Name: s.Name, SHA256: h})
	}
	slices.SortStableFunc(out, func(a, b Sum) int { return strings.Compare(a.Name, b.Name) })
	uniq := out[:0]
	for i, s := range out {
		if i > 0 && s.Name == out[i-1].Name {
			if s.SHA256 != out[i-1].SHA256 {
				return nil, fmt.Errorf("archive: checksum for %q: two different hashes, %s and %s", s.Name, out[i-1].SHA256, s.SHA256)
			}
			continue
		}
		uniq = append(uniq, s)
	}
	return uniq, nil
}

// ReadChecksums reads a checksum file in the format WriteChecksums writes,
// also accepting the " *" binary-mode separator of sha256sum. The sums are
// returned in file order. A malformed line is an error naming its number.
func ReadChecksums(path string) ([]Sum, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("archive: read checksums: %w", err)
	}
	defer f.Close()
	var sums []Sum
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		s, err := parseSumLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("archive: %s:%d: %w", path, n, err)
		}
		sums = append(sums, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("archive: read %s: %w", path, err)
	}
	return sums, nil
}

func parseSumLine(line string) (Sum, error) {
	if len(line) < 64+2+1 || (line[64:66] != "  " && line[64:66] != " *") {
		return Sum{}, fmt.Errorf("malformed line %q: want \"<sha256>  <name>\"", line)
	}
	s := Sum{SHA256: strings.ToLower(line[:64]), Name: line[66:]}
	if !isSHA256Hex(s.SHA256) {
		return Sum{}, fmt.Errorf("malformed hash %q", line[:64])
	}
	if err := validName(s.Name); err != nil {
		return Sum{}, fmt.Errorf("name %q: %w", s.Name, err)
	}
	return s, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
