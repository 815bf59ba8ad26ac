package staticbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestBinaryCache removes dist/ after a Cross and checks that the next
// Cross copies the same bytes from the cache instead of building, and that
// a changed input builds again.
func TestBinaryCache(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(envCache+"="+t.TempDir(), envPlatforms+"=linux/amd64,darwin/arm64")}
	ctx := context.Background()
	first, err := runCross(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") {
		t.Fatalf("the first build came from the cache:\n%s", log.String())
	}
	// The log is not a terminal: each build says when it starts, after the
	// header and before its result.
	for _, pl := range []string{"linux/amd64", "darwin/arm64"} {
		start, ok := strings.Index(log.String(), "  start app "+pl), strings.Index(log.String(), "  ok    app          "+pl)
		if h := strings.Index(log.String(), "build: "); start < 0 || h > start || start > ok {
			t.Errorf("no start line for %s between the header and its result:\n%s", pl, log.String())
		}
	}
	os.RemoveAll(filepath.Join(dir, "dist"))
	log.Reset()
	second, err := runCross(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), " cached ") != 2 || !strings.Contains(log.String(), "0 to build") {
		t.Errorf("the second Cross did not take both binaries from the cache:\n%s", log.String())
	}
	if h, c := strings.Index(log.String(), "build: "), strings.Index(log.String(), " cached "); h < 0 || h > c {
		t.Errorf("the cached lines come before the header:\n%s", log.String())
	}
	for i := range first.Artifacts {
		if first.Artifacts[i].SHA256 != second.Artifacts[i].SHA256 {
			t.Errorf("%s: cached bytes differ from the built ones", first.Artifacts[i].Path)
		}
	}
	if out := testmod.Run(t, dir, filepath.Join(dir, "dist", "app_linux_amd64", "app"), "--version"); !strings.Contains(out, "v1.0.0") {
		t.Errorf("the cached binary says %q", out)
	}

	os.RemoveAll(filepath.Join(dir, "dist"))
	cfg.Tags = []string{"other"}
	log.Reset()
	if _, err := runCross(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") || !strings.Contains(log.String(), "2 to build") {
		t.Errorf("a changed configuration was served from the cache:\n%s", log.String())
	}

	cfg.Environ = testEnv(envPlatforms + "=linux/amd64,darwin/arm64")
	os.RemoveAll(filepath.Join(dir, "dist"))
	log.Reset()
	if _, err := runCross(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") {
		t.Errorf("MAGESTATIC_CACHE=off still used the cache:\n%s", log.String())
	}
}

// TestBinaryCachePutAtomic reads an entry while put writes it: a reader
// sees no entry or the whole one, never part of it, and get never hands out
// a partial binary.
func TestBinaryCachePutAtomic(t *testing.T) {
	t.Parallel()
	c := binCache{dir: t.TempDir()}
	src := filepath.Join(t.TempDir(), "app")
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	if err := os.WriteFile(src, data, 0o755); err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.put(key, src, fmt.Sprintf("%x", sha256.Sum256(data)))
	}()
	dst := filepath.Join(t.TempDir(), "got")
	for reading := true; reading; {
		select {
		case <-done:
			reading = false // one more read after put returned
		default:
		}
		if got, err := os.ReadFile(c.path(key)); err == nil && !bytes.Equal(got, data) {
			t.Fatalf("a reader saw %d of %d bytes under the entry's name", len(got), len(data))
		}
		if c.get(key, dst) {
			if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get copied %d of %d bytes (%v)", len(got), len(data), err)
			}
		}
	}
	if !c.get(key, dst) {
		t.Fatal("no entry after put")
	}
	filepath.WalkDir(c.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && atomicfile.IsTemp(d.Name()) {
			t.Errorf("put left %s", path)
		}
		return nil
	})
}
