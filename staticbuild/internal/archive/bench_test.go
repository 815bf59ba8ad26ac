package archive

import (
	stdflate "compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/flate"
)

var (
	bigBinOnce sync.Once
	bigBinPath string
	bigBinErr  error
)

// bigBinary returns a real Go program of several megabytes (a net/http
// server), built once with the real toolchain.
func bigBinary(b *testing.B) string {
	b.Helper()
	dir := filepath.Dir(testBinary(b))
	bigBinOnce.Do(func() {
		bigBinPath, bigBinErr = buildGo(dir, "server", `package main

import (
	"crypto/tls"
	"encoding/json"
	"log"
	"net/http"
	"os/user"
)

func main() {
	u, _ := user.Current()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"user": u, "tls": tls.VersionName(tls.VersionTLS13)})
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:0", nil))
}
`)
	})
	if bigBinErr != nil {
		b.Fatalf("build benchmark binary: %v", bigBinErr)
	}
	return bigBinPath
}

// BenchmarkWrite archives a real Go binary of about 8 MB; MB/s is of the
// uncompressed input.
func BenchmarkWrite(b *testing.B) {
	bin := bigBinary(b)
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("binary: %d bytes", fi.Size())
	files := []File{{Name: "server", Source: bin, Executable: true}}
	for _, f := range formats {
		b.Run(string(f), func(b *testing.B) {
			dst := filepath.Join(b.TempDir(), "server."+string(f))
			b.SetBytes(fi.Size())
			for b.Loop() {
				if err := Write(dst, files, Options{Format: f, Time: buildTime}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			out, err := os.Stat(dst)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(out.Size())/float64(fi.Size())*100, "%size")
		})
	}
}

// BenchmarkSHA256File hashes the same binary.
func BenchmarkSHA256File(b *testing.B) {
	bin := bigBinary(b)
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, err := SHA256File(bin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeflateLevels compresses the same binary with the standard
// library's deflate and with the one the archives use, at several levels,
// the choice behind the level constant: MB/s is of the uncompressed input,
// %size the output's size against it.
func BenchmarkDeflateLevels(b *testing.B) {
	data, err := os.ReadFile(bigBinary(b))
	if err != nil {
		b.Fatal(err)
	}
	impls := []struct {
		name string
		new  func(io.Writer, int) (io.WriteCloser, error)
	}{
		{"std", func(w io.Writer, l int) (io.WriteCloser, error) { return stdflate.NewWriter(w, l) }},
		{"klauspost", func(w io.Writer, l int) (io.WriteCloser, error) { return flate.NewWriter(w, l) }},
	}
	for _, im := range impls {
		for _, l := range []int{flate.BestSpeed, 5, level, flate.BestCompression} {
			b.Run(fmt.Sprintf("%s/level=%d", im.name, l), func(b *testing.B) {
				var n countWriter
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					n = 0
					w, err := im.new(&n, l)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := w.Write(data); err != nil {
						b.Fatal(err)
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/float64(len(data))*100, "%size")
			})
		}
	}
}

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
