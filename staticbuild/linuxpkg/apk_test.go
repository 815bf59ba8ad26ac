package linuxpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
)

// apkFile is one entry of an apk's tar streams.
type apkFile struct {
	hdr  *tar.Header
	data []byte
}

// apkPackage is an apk read with Go's archive/tar and compress/gzip
// alone: the control stream (.PKGINFO and the scripts) and the data
// stream, with the SHA-256 of the data stream's gzip bytes.
type apkPackage struct {
	info     map[string][]string // .PKGINFO's fields
	control  map[string]apkFile
	data     map[string]apkFile
	dataHash string
}

// readAPK reads an unsigned apk: two gzip streams, each a tar (the
// control one without its end-of-archive blocks), as apk-tools reads it.
func readAPK(pkg []byte) (*apkPackage, error) {
	var streams [][]byte
	br := bytes.NewReader(pkg)
	for br.Len() > 0 {
		start := len(pkg) - br.Len()
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip stream %d: %w", len(streams), err)
		}
		zr.Multistream(false)
		data, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("gzip stream %d: %w", len(streams), err)
		}
		streams = append(streams, data)
		if len(streams) == 2 {
			sum := sha256.Sum256(pkg[start : len(pkg)-br.Len()])
			if br.Len() != 0 {
				return nil, fmt.Errorf("%d bytes after the data stream", br.Len())
			}
			p := &apkPackage{dataHash: hex.EncodeToString(sum[:]), info: map[string][]string{}}
			if p.control, err = readTar(streams[0]); err != nil {
				return nil, fmt.Errorf("control stream: %w", err)
			}
			if p.data, err = readTar(streams[1]); err != nil {
				return nil, fmt.Errorf("data stream: %w", err)
			}
			info, ok := p.control[".PKGINFO"]
			if !ok {
				return nil, fmt.Errorf("the control stream has no .PKGINFO")
			}
			for _, line := range strings.Split(string(info.data), "\n") {
				if k, v, ok := strings.Cut(line, " = "); ok {
					p.info[k] = append(p.info[k], v)
				}
			}
			return p, nil
		}
	}
	return nil, fmt.Errorf("%d gzip streams, want the control and the data streams (an unsigned apk)", len(streams))
}

func readTar(data []byte) (map[string]apkFile, error) {
	out := map[string]apkFile{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[hdr.Name] = apkFile{hdr, body}
	}
}

// FuzzReadAPK checks that the test's apk reader never panics.
func FuzzReadAPK(f *testing.F) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: ".PKGINFO", Mode: 0o644, Size: 11})
	tw.Write([]byte("pkgname = a"))
	tw.Flush()
	zw.Close()
	f.Add(append(buf.Bytes(), buf.Bytes()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAPK(data)
	})
}
