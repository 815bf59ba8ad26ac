package staticbuild

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestMergeShardsInCheckout follows the example workflow: each shard's
// dist/ is downloaded, without its hidden files (actions/upload-artifact
// drops them, the dist/.gitignore among them), into shards/ inside the
// checkout that merges, and the merge reads them from MAGESTATIC_MERGE.
// Git sees the shards as untracked files; they are not a change to the
// source, so the merge must not refuse the tree as dirty.
func TestMergeShardsInCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("two shard releases and a merge")
	}
	t.Parallel()
	origin := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	merged := testmod.Clone(t, origin)
	env := []string{envPlatforms + "=linux/amd64,linux/arm64", envCache + "=" + t.TempDir()}
	var log bytes.Buffer
	for i := 1; i <= 2; i++ {
		dir := testmod.Clone(t, origin)
		cfg := Config{Dir: dir, Log: &log, Environ: testEnv(append(env, envShard+"="+itoa(i)+"/2")...)}
		if _, err := runRelease(context.Background(), cfg); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, log.String())
		}
		// A shard writes no checksum file, and its log must not say it did.
		if strings.Contains(log.String(), "checksums in") || !strings.Contains(log.String(), "shard manifest in") {
			t.Errorf("shard %d's log:\n%s", i, log.String())
		}
		log.Reset()
		copyVisible(t, filepath.Join(dir, "dist"), filepath.Join(merged, "shards", "shard-"+itoa(i)))
	}
	log.Reset()
	r, err := runMerge(context.Background(), Config{Dir: merged, Log: &log, Environ: testEnv(append(env, envMerge+"=shards")...)})
	if err != nil {
		t.Fatalf("merge of shards downloaded into the checkout: %v\n%s", err, log.String())
	}
	if r.Version != "v1.0.0" {
		t.Errorf("merged version %s, want v1.0.0", r.Version)
	}
	if _, err := os.Stat(filepath.Join(merged, "dist", "SHA256SUMS")); err != nil {
		t.Errorf("the merge wrote no checksum file: %v", err)
	}
}

// copyVisible copies the tree at from to to, leaving out hidden files and
// directories, as actions/upload-artifact does.
func copyVisible(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if strings.HasPrefix(d.Name(), ".") && rel != "." {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
